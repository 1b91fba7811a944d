package herald.sdks;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.pusher.client.Pusher;
import com.pusher.client.PusherOptions;
import com.pusher.client.channel.Channel;
import com.pusher.client.channel.PresenceChannel;
import com.pusher.client.channel.PresenceChannelEventListener;
import com.pusher.client.channel.PrivateChannel;
import com.pusher.client.channel.PrivateEncryptedChannelEventListener;
import com.pusher.client.channel.PusherEvent;
import com.pusher.client.channel.User;
import com.pusher.client.connection.ConnectionEventListener;
import com.pusher.client.connection.ConnectionState;
import com.pusher.client.connection.ConnectionStateChange;
import com.pusher.client.util.HttpChannelAuthorizer;
import com.pusher.client.util.HttpUserAuthenticator;
import com.pusher.client.util.UrlEncodedConnectionFactory;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Drives com.pusher:pusher-java-client: the client operations of ../README.md. Requests are
 * handled one at a time; what the SDK reports on its own threads is written as event lines.
 */
public final class ClientDriver implements JsonLines.Handler, ConnectionEventListener {
    private static final long WAIT_SECONDS = 15;
    private static final String SUBSCRIPTION_ERROR = "pusher:subscription_error";

    private final String host = System.getenv("SDK_HOST");
    private final int port = Integer.parseInt(System.getenv("SDK_PORT"));
    private final String key = System.getenv("SDK_APP_KEY");

    private Pusher pusher;
    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    // Completed by the SDK's callbacks; each is the wait of the request being handled.
    private volatile CompletableFuture<String> connected = new CompletableFuture<>();
    private volatile CompletableFuture<Void> disconnected = new CompletableFuture<>();
    private volatile CompletableFuture<Void> signinFailed = new CompletableFuture<>();
    private volatile String lastError;

    public static void main(String[] argv) throws IOException {
        // The SDK's own version: it reads it from its pusher.properties and sends it to the server.
        JsonLines.hello("pusher-java-client", PusherOptions.LIB_VERSION);
        JsonLines.serve(new ClientDriver());
    }

    @Override
    public JsonElement handle(String op, JsonObject args) throws Exception {
        switch (op) {
            case "connect":
                return connect(args);
            case "subscribe":
                subscribe(JsonLines.string(args, "channel"));
                return null;
            case "bind": {
                Subscription s = subscription(args);
                String event = JsonLines.string(args, "event");
                s.bound.add(event);
                s.channel.bind(event, s);
                return null;
            }
            case "unsubscribe": {
                String channel = JsonLines.string(args, "channel");
                pusher().unsubscribe(channel);
                subscriptions.remove(channel);
                return null;
            }
            case "trigger_client_event": {
                Subscription s = subscription(args);
                if (!(s.channel instanceof PrivateChannel)) {
                    throw new IllegalArgumentException("the SDK triggers client events only on private and presence channels");
                }
                ((PrivateChannel) s.channel).trigger(JsonLines.string(args, "event"), JsonLines.string(args, "data"));
                return null;
            }
            case "presence_members":
                return presenceMembers(subscription(args));
            case "signin":
                signin();
                return null;
            case "bind_user_event":
                pusher().user().bind(JsonLines.string(args, "event"), event -> {
                    JsonObject line = event("user_message");
                    line.addProperty("name", event.getEventName());
                    line.addProperty("data", event.getData());
                    JsonLines.write(line);
                });
                return null;
            case "disconnect":
                disconnect();
                return null;
            default:
                throw new IllegalArgumentException("unknown op " + op);
        }
    }

    /** A clean close before the quit reply, so no event line comes after it. */
    @Override
    public void quit() {
        try {
            if (pusher != null) disconnect();
        } catch (Exception e) {
            // exiting anyway
        }
    }

    private JsonElement connect(JsonObject args) throws Exception {
        if (pusher != null) disconnect();
        subscriptions.clear();
        Map<String, String> params = new HashMap<>();
        if (args.has("auth_params") && args.get("auth_params").isJsonObject()) {
            args.getAsJsonObject("auth_params").entrySet().forEach(e -> params.put(e.getKey(), e.getValue().getAsString()));
        }
        PusherOptions options = new PusherOptions().setHost(host).setWsPort(port).setUseTLS(false);
        String authEndpoint = JsonLines.string(args, "auth_endpoint");
        // Each authorizer gets its own connection factory: the factory holds per-request state.
        if (authEndpoint != null) {
            options.setChannelAuthorizer(new HttpChannelAuthorizer(authEndpoint, new UrlEncodedConnectionFactory(params)));
        }
        String userAuthEndpoint = JsonLines.string(args, "user_auth_endpoint");
        if (userAuthEndpoint != null) {
            options.setUserAuthenticator(new HttpUserAuthenticator(userAuthEndpoint, new UrlEncodedConnectionFactory(params)));
        }
        connected = new CompletableFuture<>();
        disconnected = new CompletableFuture<>();
        lastError = null;
        pusher = new Pusher(key, options);
        pusher.connect(this, ConnectionState.ALL);
        JsonObject result = new JsonObject();
        result.addProperty("socket_id", await(connected, "CONNECTED"));
        return result;
    }

    private void subscribe(String name) throws Exception {
        Subscription s = new Subscription(name);
        // Names are checked longest prefix first: private-encrypted- is also private-.
        if (name.startsWith("private-encrypted-")) {
            s.channel = pusher().subscribePrivateEncrypted(name, s, SUBSCRIPTION_ERROR);
        } else if (name.startsWith("private-")) {
            s.channel = pusher().subscribePrivate(name, s, SUBSCRIPTION_ERROR);
        } else if (name.startsWith("presence-")) {
            s.channel = pusher().subscribePresence(name, s, SUBSCRIPTION_ERROR);
        } else {
            s.channel = pusher().subscribe(name, s, SUBSCRIPTION_ERROR);
        }
        subscriptions.put(name, s);
        try {
            await(s.subscribed, "the subscription of " + name);
        } catch (Exception e) {
            // A failed subscription is not left behind: a retry must be able to subscribe again.
            subscriptions.remove(name);
            pusher.unsubscribe(name);
            throw e;
        }
    }

    /**
     * The SDK's signin() sends the signin message but reports success to no listener. Signed in
     * is when the SDK knows the user's id and its "#server-to-user-" channel is subscribed (only
     * then can server-to-user events arrive); a pusher:error meanwhile is a failure.
     */
    private void signin() throws Exception {
        signinFailed = new CompletableFuture<>();
        pusher().signin();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (System.nanoTime() < deadline) {
            String userId = pusher.user().userId();
            Channel channel = userId == null ? null : pusher.getChannel("#server-to-user-" + userId);
            if (channel != null && channel.isSubscribed()) return;
            if (signinFailed.isDone()) await(signinFailed, "signin");
            Thread.sleep(20);
        }
        throw new TimeoutException("not signed in after " + WAIT_SECONDS + " s (user id " + pusher.user().userId() + ")");
    }

    private void disconnect() throws Exception {
        Pusher p = pusher();
        if (p.getConnection().getState() == ConnectionState.DISCONNECTED) return;
        p.disconnect();
        await(disconnected, "DISCONNECTED");
    }

    private JsonElement presenceMembers(Subscription s) {
        if (!(s.channel instanceof PresenceChannel)) throw new IllegalArgumentException(s.name + " is not a presence channel");
        PresenceChannel channel = (PresenceChannel) s.channel;
        JsonArray members = new JsonArray();
        for (User user : channel.getUsers()) members.add(member(user));
        JsonObject result = new JsonObject();
        result.add("members", members);
        User me = channel.getMe();
        result.addProperty("me", me == null ? null : me.getId());
        return result;
    }

    private static JsonObject member(User user) {
        JsonObject member = new JsonObject();
        member.addProperty("id", user.getId());
        member.add("info", JsonLines.parse(user.getInfo()));
        return member;
    }

    /* ConnectionEventListener: every state change and connection error, on the SDK's event thread. */

    @Override
    public void onConnectionStateChange(ConnectionStateChange change) {
        ConnectionState state = change.getCurrentState();
        String socketId = state == ConnectionState.CONNECTED ? pusher.getConnection().getSocketId() : null;
        JsonObject line = event("state");
        line.addProperty("state", state.name());
        line.addProperty("previous", change.getPreviousState().name());
        line.addProperty("socket_id", socketId);
        JsonLines.write(line);
        if (state == ConnectionState.CONNECTED) connected.complete(socketId);
        if (state == ConnectionState.DISCONNECTED) {
            disconnected.complete(null);
            connected.completeExceptionally(new IllegalStateException(
                    "disconnected before CONNECTED" + (lastError == null ? "" : " (" + lastError + ")")));
        }
    }

    @Override
    public void onError(String message, String code, Exception e) {
        JsonObject line = event("error");
        line.addProperty("message", message);
        line.add("code", code == null ? JsonNull.INSTANCE : JsonLines.parse(code)); // "4200" -> 4200
        if (e != null) line.addProperty("exception", e.toString());
        JsonLines.write(line);
        lastError = "error " + code + ": " + message;
        signinFailed.completeExceptionally(new IllegalStateException(lastError));
    }

    /** One subscribed channel and the SDK listener for it: one class fits every channel type. */
    private final class Subscription implements PresenceChannelEventListener, PrivateEncryptedChannelEventListener {
        final String name;
        final Set<String> bound = ConcurrentHashMap.newKeySet();
        final CompletableFuture<Void> subscribed = new CompletableFuture<>();
        Channel channel;

        Subscription(String name) {
            this.name = name;
        }

        @Override
        public void onSubscriptionSucceeded(String channelName) {
            JsonObject line = event("subscribed");
            line.addProperty("channel", channelName);
            JsonLines.write(line);
            subscribed.complete(null);
        }

        @Override
        public void onAuthenticationFailure(String message, Exception e) {
            failed(message);
        }

        @Override
        public void onError(String message, Exception e) {
            failed(message);
        }

        private void failed(String message) {
            JsonObject line = event("subscription_error");
            line.addProperty("channel", name);
            line.addProperty("error", message);
            JsonLines.write(line);
            subscribed.completeExceptionally(new IllegalStateException("subscription to " + name + " failed: " + message));
        }

        @Override
        public void onEvent(PusherEvent event) {
            if (event.getEventName().equals(SUBSCRIPTION_ERROR)) {
                failed(event.getData());
                if (!bound.contains(SUBSCRIPTION_ERROR)) return;
            }
            JsonObject line = event("message");
            line.addProperty("channel", name);
            line.addProperty("name", event.getEventName());
            line.addProperty("data", event.getData());
            line.addProperty("user_id", event.getUserId());
            JsonLines.write(line);
        }

        @Override
        public void onUsersInformationReceived(String channelName, Set<User> users) {}

        @Override
        public void userSubscribed(String channelName, User user) {
            JsonObject line = event("member_added");
            line.addProperty("channel", channelName);
            line.addProperty("user_id", user.getId());
            line.add("user_info", JsonLines.parse(user.getInfo()));
            JsonLines.write(line);
        }

        @Override
        public void userUnsubscribed(String channelName, User user) {
            JsonObject line = event("member_removed");
            line.addProperty("channel", channelName);
            line.addProperty("user_id", user == null ? null : user.getId()); // null: a member the SDK never knew
            JsonLines.write(line);
        }

        @Override
        public void onDecryptionFailure(String event, String reason) {
            JsonObject line = event("error");
            line.addProperty("message", "decryption failed for " + event + " on " + name + ": " + reason);
            line.add("code", JsonNull.INSTANCE);
            JsonLines.write(line);
        }
    }

    private Pusher pusher() {
        if (pusher == null) throw new IllegalStateException("not connected: send connect first");
        return pusher;
    }

    private Subscription subscription(JsonObject args) {
        String name = JsonLines.string(args, "channel");
        Subscription s = subscriptions.get(name);
        if (s == null) throw new IllegalArgumentException("not subscribed to " + name);
        return s;
    }

    private static JsonObject event(String kind) {
        JsonObject line = new JsonObject();
        line.addProperty("event", kind);
        return line;
    }

    /** Waits for an SDK callback; its failure becomes this request's error. */
    private static <T> T await(CompletableFuture<T> future, String what) throws Exception {
        try {
            return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new TimeoutException("no " + what + " after " + WAIT_SECONDS + " s");
        } catch (ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }
}
