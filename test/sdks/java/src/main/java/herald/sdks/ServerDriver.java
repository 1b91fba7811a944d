package herald.sdks;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.Event;
import com.pusher.rest.data.PresenceUser;
import com.pusher.rest.data.Result;
import com.pusher.rest.data.Validity;
import herald.sdks.JsonLines.Failure;
import herald.sdks.JsonLines.Unsupported;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Manifest;

/** Drives com.pusher:pusher-http-java: the server operations of ../README.md. */
public final class ServerDriver implements JsonLines.Handler {
    private static final String SDK = "pusher-http-java";

    private final Pusher pusher;

    private ServerDriver() {
        String appId = System.getenv("SDK_APP_ID");
        String key = System.getenv("SDK_APP_KEY");
        String secret = System.getenv("SDK_APP_SECRET");
        String masterKey = System.getenv("SDK_ENCRYPTION_MASTER_KEY_BASE64");
        // The master key is a constructor argument only (no setter in 1.3.4).
        pusher = masterKey == null || masterKey.isEmpty()
                ? new Pusher(appId, key, secret)
                : new Pusher(appId, key, secret, masterKey);
        // setHost is the SDK's documented way to a non-standard endpoint; the scheme stays http.
        pusher.setHost(System.getenv("SDK_HOST") + ":" + System.getenv("SDK_PORT"));
        pusher.setEncrypted(false);
    }

    public static void main(String[] argv) throws IOException {
        JsonLines.hello(SDK, version());
        JsonLines.serve(new ServerDriver());
    }

    /** The version in the SDK jar's own manifest, which the build copies into this jar unchanged. */
    private static String version() throws IOException {
        try (InputStream in = ServerDriver.class.getResourceAsStream("/sdk-manifests/" + SDK + "/META-INF/MANIFEST.MF")) {
            if (in == null) throw new IOException("the " + SDK + " manifest is missing from the jar");
            return new Manifest(in).getMainAttributes().getValue("Implementation-Version");
        }
    }

    @Override
    public JsonElement handle(String op, JsonObject args) {
        switch (op) {
            case "trigger": {
                noInfo(args);
                List<String> channels = new ArrayList<>();
                args.getAsJsonArray("channels").forEach(c -> channels.add(c.getAsString()));
                Object data = JsonLines.toNative(args.get("data"));
                return body(pusher.trigger(channels, JsonLines.string(args, "event"), data, JsonLines.string(args, "socket_id")));
            }
            case "trigger_batch": {
                List<Event> batch = new ArrayList<>();
                for (JsonElement item : args.getAsJsonArray("batch")) {
                    JsonObject e = item.getAsJsonObject();
                    noInfo(e);
                    batch.add(new Event(JsonLines.string(e, "channel"), JsonLines.string(e, "name"),
                            JsonLines.toNative(e.get("data")), JsonLines.string(e, "socket_id")));
                }
                return body(pusher.trigger(batch));
            }
            // The SDK's documented calls for application state are get(path, params).
            case "channels_info": {
                Map<String, String> params = infoParams(args);
                String prefix = JsonLines.string(args, "prefix");
                if (prefix != null) params.put("filter_by_prefix", prefix);
                return body(pusher.get("/channels", params));
            }
            case "channel_info":
                return body(pusher.get("/channels/" + JsonLines.string(args, "channel"), infoParams(args)));
            case "users_info":
                return body(pusher.get("/channels/" + JsonLines.string(args, "channel") + "/users"));
            case "terminate_user_connections":
                throw new Unsupported(SDK + " has no call to terminate a user's connections");
            case "send_to_user":
                // trigger() rejects the "#server-to-user-" channel name, so there is no way through the SDK.
                throw new Unsupported(SDK + " has no send_to_user call");
            case "authenticate_user":
                throw new Unsupported(SDK + " has no user authentication");
            case "authorize_channel":
                return JsonLines.parse(authorize(args));
            case "validate_webhook": {
                String body = JsonLines.string(args, "body");
                Validity validity = pusher.validateWebhookSignature(
                        JsonLines.string(args, "key"), JsonLines.string(args, "signature"), body);
                if (validity != Validity.VALID) throw new Failure("webhook not valid: " + validity, null, null);
                // The SDK only checks the signature; the application parses the body itself.
                return JsonLines.parse(body);
            }
            default:
                throw new IllegalArgumentException("unknown op " + op);
        }
    }

    private String authorize(JsonObject args) {
        String socketId = JsonLines.string(args, "socket_id");
        String channel = JsonLines.string(args, "channel");
        if (!args.has("presence") || args.get("presence").isJsonNull()) return pusher.authenticate(socketId, channel);
        JsonObject presence = args.getAsJsonObject("presence");
        JsonElement userId = presence.get("user_id");
        Object info = JsonLines.toNative(presence.get("user_info"));
        // PresenceUser takes a String or a Number id, as the JSON gives it.
        PresenceUser user = userId.getAsJsonPrimitive().isNumber()
                ? new PresenceUser(userId.getAsNumber(), info)
                : new PresenceUser(userId.getAsString(), info);
        return pusher.authenticate(socketId, channel, user);
    }

    /** trigger in 1.3.4 has no info parameter; sending the event without it would test something else. */
    private static void noInfo(JsonObject args) {
        if (args.has("info") && !args.get("info").isJsonNull()) {
            throw new Unsupported(SDK + "'s trigger has no info parameter");
        }
    }

    private static Map<String, String> infoParams(JsonObject args) {
        Map<String, String> params = new HashMap<>();
        if (args.has("info") && args.get("info").isJsonArray()) {
            List<String> info = new ArrayList<>();
            args.getAsJsonArray("info").forEach(i -> info.add(i.getAsString()));
            params.put("info", String.join(",", info));
        }
        return params;
    }

    /** A successful Result's body, parsed; any other status is an error reply with Herald's answer. */
    private static JsonElement body(Result result) {
        if (result.getStatus() != Result.Status.SUCCESS) {
            Integer status = result.getHttpStatus();
            String prefix = status != null ? result.getStatus() + " " + status + ": " : result.getStatus() + ": ";
            throw new Failure(prefix + result.getMessage(), status, status != null ? result.getMessage() : null);
        }
        return JsonLines.parse(result.getMessage());
    }
}
