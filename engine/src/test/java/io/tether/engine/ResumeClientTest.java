package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tether.codec.proto.Push;
import io.tether.codec.proto.Response;
import io.tether.engine.client.TetherClient;
import io.tether.engine.client.TetherClosedException;
import io.tether.engine.server.Reply;
import io.tether.engine.server.TetherServer;
import io.tether.session.Backoff;
import io.tether.session.ClientState;
import io.tether.telemetry.Metric;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** TetherClient against a real server while its connections are cut: nothing lost, nothing twice. */
class ResumeClientTest {
    private final List<TetherClient> clients = new CopyOnWriteArrayList<>();
    private TetherServer server;

    @AfterEach
    void tearDown() {
        clients.forEach(TetherClient::close);
        if (server != null) {
            server.close();
        }
    }

    private TetherClient connect(String id, java.util.function.Consumer<Push> onPush) throws IOException {
        final TetherClient c = TetherClient.builder().clientId(id).onPush(onPush)
            .backoff(Duration.ofMillis(10), Duration.ofMillis(200), Backoff.UNLIMITED)
            .connect("tcp://127.0.0.1:" + TestServers.address(server).getPort());
        clients.add(c);
        return c;
    }

    @Test
    void shouldDeliverEveryPushOnceInOrderAndRunEveryRequestOnceWhileTheConnectionIsCutAgainAndAgain()
        throws Exception {
        final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        final List<Integer> ranInOrder = new CopyOnWriteArrayList<>();
        server = TetherServer.builder().config(TestServers.config("io-threads", "2"))
            .onRequest("count", call -> {
                runs.computeIfAbsent(call.payload().toStringUtf8(), k -> new AtomicInteger()).incrementAndGet();
                ranInOrder.add(Integer.parseInt(call.payload().toStringUtf8().substring(2)));
                return Reply.ok(call.payload());
            })
            .start();
        final List<Push> received = new CopyOnWriteArrayList<>();
        final TetherClient a = connect("a", received::add);
        final TetherClient b = connect("b", p -> { });
        final int pushes = 3000;
        final int requests = 600;

        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            // b streams pushes to a with the built-in send, a few in flight at a time.
            final Future<?> streaming = senders.submit(() -> {
                for (int i = 1; i <= pushes; i += 10) {
                    final List<CompletableFuture<Response>> batch = new ArrayList<>();
                    for (int j = i; j < i + 10; j++) {
                        batch.add(b.request("send", ByteString.copyFromUtf8("m-" + j),
                            Map.of("to", a.sessionId(), "topic", "stream")));
                    }
                    for (CompletableFuture<Response> f : batch) {
                        assertThat(f.get(30, TimeUnit.SECONDS).getStatus()).isZero();
                    }
                }
                return null;
            });
            // a makes requests of its own while its connection is being cut.
            final Future<?> calling = senders.submit(() -> {
                for (int i = 1; i <= requests; i += 20) {
                    final List<CompletableFuture<Response>> batch = new ArrayList<>();
                    for (int j = i; j < i + 20; j++) {
                        batch.add(a.request("count", ByteString.copyFromUtf8("r-" + j)));
                    }
                    for (int j = 0; j < batch.size(); j++) {
                        final Response r = batch.get(j).get(30, TimeUnit.SECONDS);
                        assertThat(r.getStatus()).isZero();
                        assertThat(r.getPayload().toStringUtf8()).isEqualTo("r-" + (i + j));
                    }
                }
                return null;
            });
            int cuts = 0;
            while (!streaming.isDone() || !calling.isDone() || cuts < 5) {
                final int seen = received.size();
                TestServers.await("more pushes or the end", () -> received.size() >= seen + 150
                    || streaming.isDone() && calling.isDone(), 30);
                a.abort(); // a reset, as a network failure would
                cuts++;
                TestServers.await("a back", () -> a.state() == ClientState.ESTABLISHED, 30);
            }
            streaming.get();
            calling.get();
        }
        TestServers.await("every push", () -> received.size() >= pushes, 30);

        final long[] seqs = received.stream().mapToLong(Push::getSeq).toArray();
        final long[] expected = new long[pushes];
        Arrays.setAll(expected, i -> i + 1);
        assertThat(seqs).as("each seq once, in order").containsExactly(expected);
        for (int i = 0; i < pushes; i++) {
            assertThat(received.get(i).getPayload().toStringUtf8()).isEqualTo("m-" + (i + 1));
        }
        assertThat(runs).hasSize(requests);
        assertThat(runs.values()).as("every request ran exactly once").allMatch(n -> n.get() == 1);
        assertThat(ranInOrder).as("in the order they were made, re-sends included").isSorted();
        assertThat(a.sessionsLost()).isZero();
        assertThat(server.counters().total(Metric.SESSIONS_RESUMED)).isGreaterThanOrEqualTo(5);
    }

    @Test
    void shouldQueueRequestsWhileReconnectingAndStartOverWhenTheSessionCannotResume() throws Exception {
        server = TetherServer.builder().config(TestServers.config("resume-window", "200ms")).start();
        final AtomicInteger lost = new AtomicInteger();
        final List<ClientState> states = new CopyOnWriteArrayList<>();
        final TetherClient c = TetherClient.builder().clientId("late").onSessionLost(lost::incrementAndGet)
            .onStateChange(t -> states.add(t.to()))
            .backoff(Duration.ofMillis(600), Duration.ofMillis(600), Backoff.UNLIMITED)
            .connect("tcp://127.0.0.1:" + TestServers.address(server).getPort());
        clients.add(c);
        final String first = c.sessionId();
        c.abort();
        TestServers.await("reconnecting", () -> c.state() == ClientState.RECONNECTING
            || c.state() == ClientState.CONNECTING);
        final CompletableFuture<Response> queued = c.request("echo", ByteString.copyFromUtf8("later"));
        // The backoff (up to 600 ms) outlasts the 200 ms window in most draws; poll until a new session shows.
        TestServers.await("a new session", () -> lost.get() > 0 || c.welcome().getResumed(), 10);
        assertThat(queued.get(10, TimeUnit.SECONDS).getPayload().toStringUtf8()).isEqualTo("later");
        if (lost.get() > 0) {
            assertThat(c.sessionId()).isNotEqualTo(first);
            assertThat(c.welcome().getResumed()).isFalse();
        }
        assertThat(states).containsSubsequence(ClientState.CONNECTING, ClientState.ESTABLISHED,
            ClientState.RECONNECTING, ClientState.CONNECTING, ClientState.ESTABLISHED);
    }

    @Test
    void shouldFailForGoodWhenKickedAndCloseOnPurpose() throws Exception {
        server = TetherServer.builder().config(TestServers.config()).start();
        final TetherClient kicked = connect("k", p -> { });
        assertThat(server.kick(kicked.sessionId(), "not welcome")).isTrue();
        final TetherClosedException why = kicked.closeFuture().get(10, TimeUnit.SECONDS);
        assertThat(why.code()).isEqualTo(io.tether.codec.GoodbyeCode.KICKED);
        assertThat(kicked.state()).isEqualTo(ClientState.FAILED);

        final TetherClient closing = connect("c", p -> { });
        closing.close();
        assertThat(closing.state()).isEqualTo(ClientState.CLOSED);
        TestServers.await("the session ended", () -> server.sessionCount() == 0);
    }

    @Test
    void shouldTakeASilentServerForDeadAndReconnect() throws Exception {
        final AtomicLong welcomed = new AtomicLong();
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50,
                java.net.InetAddress.getLoopbackAddress())) {
            // A fake server that welcomes (heartbeat 100 ms) and then never says anything again, nor closes.
            final List<java.net.Socket> held = new CopyOnWriteArrayList<>();
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        final java.net.Socket s = silent.accept();
                        held.add(s);
                        s.getInputStream().read(); // the Hello is arriving
                        s.getOutputStream().write(HandWire.delimited(io.tether.codec.proto.Frame.newBuilder()
                            .setWelcome(io.tether.codec.proto.Welcome.newBuilder().setSessionId("silent")
                                .setResumeToken(ByteString.copyFrom(new byte[32])).setHeartbeatMs(100))
                            .build().toByteArray()));
                        s.getOutputStream().flush();
                        welcomed.incrementAndGet();
                    }
                } catch (IOException e) {
                    // the listening socket closed at the end of the test
                }
            });
            final TetherClient c = TetherClient.builder().clientId("s")
                .backoff(Duration.ofMillis(10), Duration.ofMillis(50), Backoff.UNLIMITED)
                .connect("tcp://127.0.0.1:" + silent.getLocalPort());
            clients.add(c);
            TestServers.await("the silent server taken for dead and dialled again", () -> welcomed.get() >= 3);
            for (java.net.Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void shouldResumeAStormOfFiveThousandSessionsCutAtOnceSpreadByJitter() throws Exception {
        final int sessions = 5000;
        server = TetherServer.builder().config(TestServers.config("io-threads", "2")).start();
        final String url = "tcp://127.0.0.1:" + TestServers.address(server).getPort();
        final List<TetherClient> storm = new CopyOnWriteArrayList<>();
        final AtomicLongArray lostAt = new AtomicLongArray(sessions);
        final AtomicLongArray redialAt = new AtomicLongArray(sessions);
        final AtomicLongArray backAt = new AtomicLongArray(sessions);
        final AtomicInteger back = new AtomicInteger();
        try (ExecutorService connecting = Executors.newFixedThreadPool(16)) {
            final List<Future<TetherClient>> opened = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                final int n = i;
                opened.add(connecting.submit(() -> TetherClient.builder().clientId("storm-" + n)
                    .onStateChange(t -> {
                        final long now = System.nanoTime();
                        if (t.to() == ClientState.RECONNECTING) {
                            lostAt.compareAndSet(n, 0, now);
                        } else if (t.to() == ClientState.CONNECTING && lostAt.get(n) != 0) {
                            redialAt.compareAndSet(n, 0, now);
                        } else if (t.to() == ClientState.ESTABLISHED && lostAt.get(n) != 0
                            && backAt.compareAndSet(n, 0, now)) {
                            back.incrementAndGet();
                        }
                    })
                    .timeout(Duration.ofSeconds(30))
                    .connect(url)));
            }
            for (Future<TetherClient> f : opened) {
                storm.add(f.get(60, TimeUnit.SECONDS));
            }
        }
        clients.addAll(storm);
        final List<String> ids = storm.stream().map(TetherClient::sessionId).toList();
        TestServers.await("every session registered", () -> server.sessionCount() == sessions, 30);

        final long cut = System.nanoTime();
        storm.forEach(TetherClient::abort);
        TestServers.await("every session resumed", () -> back.get() == sessions, 120);
        final long recovered = Arrays.stream(toArray(backAt)).max().orElseThrow();

        for (int i = 0; i < sessions; i++) {
            assertThat(storm.get(i).welcome().getResumed()).isTrue();
            assertThat(storm.get(i).sessionId()).isEqualTo(ids.get(i));
        }
        assertThat(server.sessionCount()).isEqualTo(sessions);
        // Full jitter: each client waits a uniform draw from [0, 100 ms) before redialling, so the redials reach the
        // server spread over a window, not as one wave. (The one client loop that also handles all 5,000 closes and
        // handshakes adds its own delay on top.)
        final long[] redialMs = new long[sessions];
        for (int i = 0; i < sessions; i++) {
            redialMs[i] = TimeUnit.NANOSECONDS.toMillis(redialAt.get(i) - cut);
        }
        Arrays.sort(redialMs);
        final long p10 = redialMs[sessions / 10];
        final long p50 = redialMs[sessions / 2];
        final long p90 = redialMs[sessions * 9 / 10];
        final int[] perTenMs = new int[(int) (redialMs[sessions - 1] / 10) + 1];
        for (long d : redialMs) {
            perTenMs[(int) (d / 10)]++;
        }
        final int busiest = Arrays.stream(perTenMs).max().orElseThrow();
        System.out.printf("reconnect storm: %d sessions cut, all resumed %.0f ms after the cut; redials after the cut"
                + " p10 %d ms, p50 %d ms, p90 %d ms, max %d ms; busiest 10 ms: %d redials; per 10 ms: %s%n",
            sessions, (recovered - cut) / 1e6, p10, p50, p90, redialMs[sessions - 1], busiest,
            Arrays.toString(perTenMs));
        assertThat(p90 - p10).as("redials spread over the jitter window").isGreaterThanOrEqualTo(50);
        assertThat(busiest).as("no 10 ms slot takes the wave").isLessThan(sessions * 3 / 10);
    }

    private static long[] toArray(AtomicLongArray a) {
        final long[] out = new long[a.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i);
        }
        return out;
    }
}
