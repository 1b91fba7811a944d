package herald.sdks;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.ToNumberPolicy;
import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The driver protocol's plumbing (../README.md): one JSON object per line on stdin and stdout.
 * Replies and events are written from the SDKs' own threads too, so writing is synchronized.
 */
final class JsonLines {
    /** What an operation does; it returns the reply's {@code result}. */
    interface Handler {
        JsonElement handle(String op, JsonObject args) throws Exception;

        /** Called before the quit reply's process exit. */
        default void quit() {}
    }

    /** The SDK does not offer the call at all. */
    static final class Unsupported extends RuntimeException {
        Unsupported(String message) {
            super(message);
        }
    }

    /** The SDK reported a failure, with Herald's HTTP answer where the SDK exposes it. */
    static final class Failure extends RuntimeException {
        final Integer status;
        final String body;

        Failure(String message, Integer status, String body) {
            super(message);
            this.status = status;
            this.body = body;
        }
    }

    static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();
    // Numbers as Long where integral, so {"x":1} reaches the SDK's serialiser as 1, not 1.0.
    private static final Gson TO_NATIVE = new GsonBuilder().setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE).create();

    private static final PrintStream OUT =
            new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);

    static {
        // Only protocol lines may reach stdout: anything a library prints goes to stderr.
        System.setOut(System.err);
    }

    private JsonLines() {}

    static synchronized void write(JsonObject line) {
        OUT.println(GSON.toJson(line));
        OUT.flush();
    }

    static void hello(String sdk, String version) {
        JsonObject hello = new JsonObject();
        hello.addProperty("hello", true);
        hello.addProperty("language", "java");
        hello.addProperty("sdk", sdk);
        hello.addProperty("version", version);
        write(hello);
    }

    /** Reads requests until quit or end of input, replying to each; a failing call never ends the loop. */
    static void serve(Handler handler) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.isBlank()) continue;
            JsonElement id = JsonNull.INSTANCE;
            JsonObject reply = new JsonObject();
            try {
                JsonObject request = JsonParser.parseString(line).getAsJsonObject();
                id = request.has("id") ? request.get("id") : JsonNull.INSTANCE;
                String op = request.get("op").getAsString();
                if (op.equals("quit")) {
                    handler.quit();
                    reply.add("id", id);
                    reply.addProperty("ok", true);
                    reply.add("result", JsonNull.INSTANCE);
                    write(reply);
                    System.exit(0);
                }
                JsonObject args = request.has("args") && request.get("args").isJsonObject()
                        ? request.getAsJsonObject("args") : new JsonObject();
                JsonElement result = handler.handle(op, args);
                reply.add("id", id);
                reply.addProperty("ok", true);
                reply.add("result", result == null ? JsonNull.INSTANCE : result);
            } catch (Unsupported e) {
                reply = error(id, e.getMessage());
                reply.addProperty("unsupported", true);
            } catch (Failure e) {
                reply = error(id, e.getMessage());
                if (e.status != null) reply.addProperty("status", e.status);
                if (e.body != null) reply.addProperty("body", e.body);
            } catch (Exception e) {
                reply = error(id, message(e));
            }
            write(reply);
        }
        handler.quit();
        System.exit(0);
    }

    private static JsonObject error(JsonElement id, String message) {
        JsonObject reply = new JsonObject();
        reply.add("id", id);
        reply.addProperty("ok", false);
        reply.addProperty("error", message);
        return reply;
    }

    static String message(Throwable e) {
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /** A JSON value as an application would hand it to an SDK: Map, List, String, Long/Double, Boolean, null. */
    static Object toNative(JsonElement value) {
        return value == null ? null : TO_NATIVE.fromJson(value, Object.class);
    }

    /** Parses an SDK's JSON text; text that is not JSON is returned as a JSON string. */
    static JsonElement parse(String text) {
        if (text == null) return JsonNull.INSTANCE;
        try {
            return JsonParser.parseString(text);
        } catch (RuntimeException e) {
            return GSON.toJsonTree(text);
        }
    }

    static String string(JsonObject args, String name) {
        JsonElement value = args.get(name);
        return value == null || value.isJsonNull() ? null : value.getAsString();
    }
}
