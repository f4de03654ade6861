package io.tether.examples;

import com.google.protobuf.ByteString;
import io.tether.codec.Status;
import io.tether.codec.proto.Push;
import io.tether.codec.proto.Response;
import io.tether.engine.client.TetherClient;
import io.tether.engine.config.ConfigBinder;
import io.tether.engine.config.TetherConfig;
import io.tether.engine.server.PushResult;
import io.tether.engine.server.Reply;
import io.tether.engine.server.Session;
import io.tether.engine.server.SessionListener;
import io.tether.engine.server.TetherException;
import io.tether.engine.server.TetherServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * tether inside a program of its own: a server with handlers of its own and a session listener, and a
 * {@link TetherClient} that calls them and receives a push, over TCP on an ephemeral loopback port.
 *
 * <ul>
 *   <li>{@code greet} runs on a virtual thread, where a handler may block;</li>
 *   <li>{@code upper} runs inline on the event loop that read the request, so it must never block;</li>
 *   <li>{@code subscribe} pushes to the calling session from its handler, before it answers;</li>
 *   <li>{@code divide} refuses a bad request with a status of its choosing ({@link TetherException});</li>
 *   <li>a {@link SessionListener} hears the session open and end, and pushes a welcome to each new one.</li>
 * </ul>
 *
 * <p>Prints each answer with what was expected, and exits 0 when every one matched, 1 when one did not or anything
 * failed.
 */
public final class EmbeddedExample {
    private static final long WAIT_SECONDS = 10;

    private final List<String> mismatches = new ArrayList<>();
    private final BlockingQueue<String> sessionEvents = new LinkedBlockingQueue<>();
    /** The server once it started, which the session listener pushes through. */
    private volatile TetherServer running;

    public static void main(String[] args) {
        final EmbeddedExample example = new EmbeddedExample();
        try {
            example.run();
        } catch (Exception e) { // a request that timed out, a server that could not start: exit, whatever still runs
            e.printStackTrace();
            System.exit(1);
        }
        if (example.mismatches.isEmpty()) {
            System.out.println("example: every answer as expected");
            System.exit(0);
        }
        System.out.println("example: not as expected: " + example.mismatches);
        System.exit(1);
    }

    private void run() throws Exception {
        try (TetherServer server = startServer()) {
            running = server;
            final int port = server.boundAddresses().get(0).getPort();
            final BlockingQueue<Push> pushes = new LinkedBlockingQueue<>();
            try (TetherClient client = TetherClient.builder().clientId("example").onPush(pushes::add)
                    .connect("tcp://127.0.0.1:" + port)) {
                expect("session listener", "opened by example", sessionEvents.poll(WAIT_SECONDS, TimeUnit.SECONDS));
                expect("welcome push", "#1 welcome: hello example", text(pushes.poll(WAIT_SECONDS, TimeUnit.SECONDS)));
                expect("greet", "hello example, from Ada (on a virtual thread)", answer(client, "greet", "Ada"));
                expect("upper", "LOUDER (on the event loop)", answer(client, "upper", "louder"));
                expect("subscribe", PushResult.DELIVERED.name(), answer(client, "subscribe", "news"));
                expect("pushed by subscribe", "#2 news: the first news",
                    text(pushes.poll(WAIT_SECONDS, TimeUnit.SECONDS)));
                expect("divide", "12 / 4 = 3", answer(client, "divide", "12 4"));
                expect("divide by zero", "status 3: cannot divide by zero", answer(client, "divide", "1 0"));
                expect("sessions on the server", "1", String.valueOf(server.sessionCount()));
            }
            // The client said Goodbye: its session ends for good (it would stay resumable after a lost connection).
            expect("session listener", "ended for example", sessionEvents.poll(WAIT_SECONDS, TimeUnit.SECONDS));
        }
    }

    /** A server on an ephemeral loopback port with the example's handlers instead of the built-in ones. */
    private TetherServer startServer() {
        final TetherConfig config = ConfigBinder.bind(Map.of(
            "listen", List.of("tcp://127.0.0.1:0"),
            "io-threads", List.of("1")));
        return TetherServer.builder()
            .config(config)
            .withoutBuiltins()
            .onRequest("greet", call -> text("hello " + call.clientId() + ", from " + call.payload().toStringUtf8()
                + where()))
            .onRequestInline("upper", call -> text(call.payload().toStringUtf8().toUpperCase(Locale.ROOT) + where()))
            .onRequest("subscribe", call -> {
                final String topic = call.payload().toStringUtf8();
                final PushResult pushed = call.server().push(call.sessionId(), topic, utf8("the first " + topic));
                return text(pushed.name());
            })
            .onRequest("divide", call -> {
                final String[] operands = call.payload().toStringUtf8().split(" ");
                if (operands.length != 2) {
                    throw new TetherException(Status.INVALID_ARGUMENT, "two numbers, please");
                }
                final long dividend = Long.parseLong(operands[0]);
                final long divisor = Long.parseLong(operands[1]);
                if (divisor == 0) {
                    throw new TetherException(Status.INVALID_ARGUMENT, "cannot divide by zero");
                }
                return text(dividend + " / " + divisor + " = " + dividend / divisor);
            })
            // Runs on the session's event loop, so it does nothing that blocks: a push from a loop never waits.
            .sessionListener(new SessionListener() {
                @Override
                public void onConnect(Session session) {
                    sessionEvents.add("opened by " + session.clientId());
                    running.push(session.id(), "welcome", utf8("hello " + session.clientId()));
                }

                @Override
                public void onEnd(Session session, String why) {
                    sessionEvents.add("ended for " + session.clientId());
                }
            })
            .start();
    }

    /** A push as {@code #seq topic: payload}, or null for none. */
    private static String text(Push push) {
        return push == null ? null
            : "#" + push.getSeq() + " " + push.getTopic() + ": " + push.getPayload().toStringUtf8();
    }

    private static String where() {
        return Thread.currentThread().isVirtual() ? " (on a virtual thread)" : " (on the event loop)";
    }

    /** Calls a method and renders its answer: the payload when OK, else the status and the error. */
    private static String answer(TetherClient client, String method, String payload) throws Exception {
        final Response r = client.request(method, utf8(payload)).get(WAIT_SECONDS, TimeUnit.SECONDS);
        return r.getStatus() == Status.OK ? r.getPayload().toStringUtf8()
            : "status " + r.getStatus() + ": " + r.getError();
    }

    private void expect(String what, String expected, String actual) {
        final boolean ok = Objects.equals(expected, actual);
        System.out.printf("%-4s %-22s %s%n", ok ? "ok" : "FAIL", what, ok ? actual
            : "expected \"" + expected + "\", got " + (actual == null ? "nothing" : "\"" + actual + "\""));
        if (!ok) {
            mismatches.add(what);
        }
    }

    private static Reply text(String s) {
        return Reply.ok(utf8(s));
    }

    private static ByteString utf8(String s) {
        return ByteString.copyFromUtf8(s);
    }
}
