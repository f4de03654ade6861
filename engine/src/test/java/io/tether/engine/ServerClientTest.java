package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tether.codec.GoodbyeCode;
import io.tether.codec.Status;
import io.tether.codec.proto.Push;
import io.tether.codec.proto.Response;
import io.tether.engine.client.TetherClient;
import io.tether.engine.client.TetherClosedException;
import io.tether.engine.server.PushResult;
import io.tether.engine.server.Reply;
import io.tether.engine.server.TetherException;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Metric;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ServerClientTest {
    private TetherServer server;
    private final List<TetherClient> clients = new ArrayList<>();

    @AfterEach
    void tearDown() {
        clients.forEach(TetherClient::close);
        if (server != null) {
            server.shutdown(java.time.Duration.ofSeconds(1));
        }
    }

    private TetherClient connect(String id) throws Exception {
        return connect(id, p -> { });
    }

    private TetherClient connect(String id, java.util.function.Consumer<Push> onPush) throws Exception {
        final TetherClient c = TetherClient.builder().clientId(id).onPush(onPush).connect(TestServers.address(server));
        clients.add(c);
        return c;
    }

    private static ByteString utf8(String s) {
        return ByteString.copyFromUtf8(s);
    }

    @Test
    void shouldEchoOnVirtualThreadsAndInline() throws Exception {
        for (String dispatch : List.of("virtual", "inline")) {
            server = TetherServer.builder().config(TestServers.config("dispatch", dispatch)).start();
            final TetherClient client = connect("echo-" + dispatch);
            assertThat(client.sessionId()).hasSize(22);
            final Response r = client.request("echo", utf8("hello " + dispatch)).get(5, TimeUnit.SECONDS);
            assertThat(r.getStatus()).isZero();
            assertThat(r.getPayload().toStringUtf8()).isEqualTo("hello " + dispatch);
            clients.forEach(TetherClient::close);
            clients.clear();
            server.shutdown(java.time.Duration.ofSeconds(1));
        }
        server = null;
    }

    @Test
    void shouldAnswerUnknownMethodWith12AndThrowingHandlerWith13() throws Exception {
        server = TetherServer.builder().config(TestServers.config())
            .onRequest("boom", call -> {
                throw new IllegalStateException("kaput");
            })
            .onRequest("picky", call -> {
                throw new TetherException(Status.INVALID_ARGUMENT, "bad input");
            })
            .start();
        final TetherClient client = connect("c");
        final Response unknown = client.request("nope", ByteString.EMPTY).get(5, TimeUnit.SECONDS);
        assertThat(unknown.getStatus()).isEqualTo(Status.UNIMPLEMENTED);
        assertThat(unknown.getError()).contains("nope");
        final Response boom = client.request("boom", ByteString.EMPTY).get(5, TimeUnit.SECONDS);
        assertThat(boom.getStatus()).isEqualTo(Status.INTERNAL);
        final Response picky = client.request("picky", ByteString.EMPTY).get(5, TimeUnit.SECONDS);
        assertThat(picky.getStatus()).isEqualTo(Status.INVALID_ARGUMENT);
        assertThat(picky.getError()).isEqualTo("bad input");
        assertThat(server.counters().total(Metric.HANDLER_ERRORS)).isEqualTo(1);
        // The session survives all of that.
        assertThat(client.request("echo", utf8("still here")).get(5, TimeUnit.SECONDS).getPayload().toStringUtf8())
            .isEqualTo("still here");
    }

    @Test
    void shouldRunOneSessionInOrderAndSessionsInParallel() throws Exception {
        final CountDownLatch release = new CountDownLatch(1);
        final List<String> order = Collections.synchronizedList(new ArrayList<>());
        server = TetherServer.builder().config(TestServers.config())
            .onRequest("block", call -> {
                release.await(10, TimeUnit.SECONDS);
                return Reply.ok();
            })
            .onRequest("log", call -> {
                order.add(call.payload().toStringUtf8());
                return Reply.ok(call.payload());
            })
            .start();
        final TetherClient a = connect("a");
        final TetherClient b = connect("b");
        final CompletableFuture<Response> blocked = a.request("block", ByteString.EMPTY);
        final CompletableFuture<Response> afterBlock = a.request("log", utf8("a1"));
        // b is served while a's handler blocks.
        final List<CompletableFuture<Response>> bs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            bs.add(b.request("log", utf8("b" + i)));
        }
        for (CompletableFuture<Response> f : bs) {
            assertThat(f.get(5, TimeUnit.SECONDS).getStatus()).isZero();
        }
        assertThat(afterBlock).isNotDone();
        release.countDown();
        assertThat(blocked.get(5, TimeUnit.SECONDS).getStatus()).isZero();
        assertThat(afterBlock.get(5, TimeUnit.SECONDS).getStatus()).isZero();
        final List<String> bOrder = order.stream().filter(s -> s.startsWith("b")).toList();
        assertThat(bOrder).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 100)
            .mapToObj(i -> "b" + i).toList());
    }

    @Test
    void shouldPushFromAnyThreadInOrderAndRouteSendBetweenSessions() throws Exception {
        server = TetherServer.builder().config(TestServers.config()).start();
        final LinkedBlockingQueue<Push> received = new LinkedBlockingQueue<>();
        final TetherClient a = connect("a", received::add);
        final TetherClient b = connect("b");
        final Thread pusher = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 1000; i++) {
                server.push(a.sessionId(), "t", utf8("p" + i));
            }
        });
        pusher.join();
        for (int i = 0; i < 1000; i++) {
            final Push p = received.poll(5, TimeUnit.SECONDS);
            assertThat(p).isNotNull();
            assertThat(p.getSeq()).isEqualTo(i + 1);
            assertThat(p.getPayload().toStringUtf8()).isEqualTo("p" + i);
        }
        final Response sent = b.request("send", utf8("from b"), Map.of("to", a.sessionId(), "topic", "chat"))
            .get(5, TimeUnit.SECONDS);
        assertThat(sent.getStatus()).isZero();
        final Push p = received.poll(5, TimeUnit.SECONDS);
        assertThat(p.getTopic()).isEqualTo("chat");
        assertThat(p.getPayload().toStringUtf8()).isEqualTo("from b");
        assertThat(server.push("no-such-session", "t", new byte[1])).isEqualTo(PushResult.UNKNOWN);
        final Response missing = b.request("send", utf8("x"), Map.of("to", "nobody")).get(5, TimeUnit.SECONDS);
        assertThat(missing.getStatus()).isEqualTo(Status.UNAVAILABLE);
        final Response noTo = b.request("send", utf8("x")).get(5, TimeUnit.SECONDS);
        assertThat(noTo.getStatus()).isEqualTo(Status.INVALID_ARGUMENT);
    }

    @Test
    void shouldNumberPushesMadeOnTheTargetsOwnLoopByInlineHandlers() throws Exception {
        server = TetherServer.builder().config(TestServers.config("dispatch", "inline", "io-threads", "1")).start();
        final LinkedBlockingQueue<Push> received = new LinkedBlockingQueue<>();
        final TetherClient a = connect("a", received::add);
        final TetherClient b = connect("b");
        for (int i = 1; i <= 3; i++) {
            assertThat(b.request("send", utf8("m" + i), Map.of("to", a.sessionId())).get(5, TimeUnit.SECONDS)
                .getStatus()).isZero();
            final Push p = received.poll(5, TimeUnit.SECONDS);
            assertThat(p).isNotNull();
            assertThat(p.getSeq()).isEqualTo(i);
            assertThat(p.getTopic()).isEqualTo("send");
            assertThat(p.getPayload().toStringUtf8()).isEqualTo("m" + i);
        }
    }

    @Test
    void shouldServeAnAdoptedChannel() throws Exception {
        server = TetherServer.builder().config(TestServers.config()).start();
        try (java.nio.channels.ServerSocketChannel other = java.nio.channels.ServerSocketChannel.open()) {
            other.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            final CompletableFuture<TetherClient> client = CompletableFuture.supplyAsync(() -> {
                try {
                    return TetherClient.builder().clientId("adopted")
                        .connect((java.net.InetSocketAddress) other.getLocalAddress());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            server.adopt(other.accept());
            final TetherClient c = client.get(10, TimeUnit.SECONDS);
            clients.add(c);
            assertThat(c.request("echo", utf8("adopted")).get(5, TimeUnit.SECONDS).getPayload().toStringUtf8())
                .isEqualTo("adopted");
        }
    }

    @Test
    void shouldFinishInFlightHandlersThenSayGoodbyeOnShutdown() throws Exception {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch finish = new CountDownLatch(1);
        server = TetherServer.builder().config(TestServers.config())
            .onRequest("slow", call -> {
                started.countDown();
                finish.await(10, TimeUnit.SECONDS); // still running when the shutdown begins
                return Reply.ok(utf8("done"));
            })
            .start();
        // Without reconnecting, so the Goodbye ends the client (a reconnecting one would come back: ResumeTest).
        final TetherClient client = TetherClient.builder().clientId("c").reconnect(false)
            .connect(TestServers.address(server));
        clients.add(client);
        final CompletableFuture<Response> slow = client.request("slow", ByteString.EMPTY);
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        final TetherServer s = server;
        server = null;
        Thread.ofVirtual().start(() -> {
            TestServers.await("the shutdown to begin", s::isClosed);
            finish.countDown();
        });
        s.shutdown(java.time.Duration.ofSeconds(5));
        assertThat(slow.get(5, TimeUnit.SECONDS).getPayload().toStringUtf8()).isEqualTo("done");
        final TetherClosedException closed = client.closeFuture().get(5, TimeUnit.SECONDS);
        assertThat(closed.code()).isEqualTo(GoodbyeCode.GOING_AWAY);
        assertThatThrownBy(() -> client.request("echo", ByteString.EMPTY).get(5, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class);
    }
}
