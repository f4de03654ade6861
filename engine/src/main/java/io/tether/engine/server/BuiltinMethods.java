package io.tether.engine.server;

import io.tether.codec.Status;
import java.util.Map;

/**
 * The methods of the default application: {@code echo} answers with its payload; {@code send} pushes its payload
 * to the session named in the {@code to} header (topic from the {@code topic} header, default "send").
 */
public final class BuiltinMethods {
    static final String ECHO = "echo";
    public static final String SEND = "send";

    private BuiltinMethods() {
    }

    static Map<String, RequestHandler> all() {
        return Map.of(ECHO, BuiltinMethods::echo, SEND, BuiltinMethods::send);
    }

    private static Reply echo(Call call) {
        return Reply.ok(call.payload());
    }

    private static Reply send(Call call) {
        final String to = call.header("to");
        if (to == null || to.isEmpty()) {
            return Reply.error(Status.INVALID_ARGUMENT, "send needs a 'to' header naming a session");
        }
        final String topic = call.header("topic");
        final PushResult result = call.server().push(to, topic == null ? SEND : topic, call.payload());
        return result == PushResult.UNKNOWN ? Reply.error(Status.UNAVAILABLE, "unknown session")
            : Reply.ok();
    }
}
