package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tether.codec.GoodbyeCode;
import io.tether.codec.Status;
import io.tether.codec.proto.Response;
import io.tether.engine.client.TetherClient;
import io.tether.engine.client.TetherClosedException;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Metric;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Admission control over real sockets: per-address limits from several loopback source addresses, the accept
 * rate, max connections, dry-run, a flapping client id refused with Goodbye 4008 while its other session works, and
 * a session flooding requests answered with status 8 while another is unaffected. Loopback is exempt by default, so
 * each test sets {@code admission-exempt} to a block no test address is in.
 */
class AdmissionTest {
    private static final String NOT_LOOPBACK = "192.0.2.0/24";

    private TetherServer server;
    private final List<Socket> sockets = new ArrayList<>();
    private final List<TetherClient> clients = new ArrayList<>();

    @AfterEach
    void tearDown() throws IOException {
        clients.forEach(TetherClient::close);
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.shutdown(java.time.Duration.ofSeconds(1));
        }
    }

    private void start(String... pairs) {
        final String[] all = new String[pairs.length + 2];
        all[0] = "admission-exempt";
        all[1] = NOT_LOOPBACK;
        System.arraycopy(pairs, 0, all, 2, pairs.length);
        server = TetherServer.builder().config(TestServers.config(all)).start();
    }

    private long total(Metric m) {
        return server.counters().total(m);
    }

    /** A plain socket from {@code source} (127.0.0.x). */
    private Socket socketFrom(String source) throws IOException {
        final Socket s = new Socket();
        s.bind(new InetSocketAddress(source, 0));
        s.connect(TestServers.address(server), 5_000);
        sockets.add(s);
        return s;
    }

    /** Whether the server closed the socket without a byte (a refusal before anything was read). */
    private static boolean closedByServer(Socket s) throws IOException {
        s.setSoTimeout(5_000);
        final InputStream in = s.getInputStream();
        try {
            return in.read() == -1;
        } catch (java.net.SocketException reset) {
            return true;
        }
    }

    /** Whether the server keeps the socket open (no close within 300 ms: it waits for the Hello). */
    private static boolean keptOpen(Socket s) throws IOException {
        s.setSoTimeout(300);
        try {
            return s.getInputStream().read() != -1;
        } catch (SocketTimeoutException waiting) {
            return true;
        }
    }

    private TetherClient client(String id) throws IOException {
        final TetherClient c = TetherClient.builder().clientId(id).connect(TestServers.address(server));
        clients.add(c);
        return c;
    }

    @Test
    void shouldLimitConnectionsPerAddressButNotOtherAddresses() throws Exception {
        start("max-ip-connections", "3", "max-prefix-connections", "0");
        for (int i = 0; i < 3; i++) {
            socketFrom("127.0.0.2");
        }
        TestServers.await("three connections admitted", () -> server.counters().openConnections() == 3);
        final Socket fourth = socketFrom("127.0.0.2");
        assertThat(closedByServer(fourth)).isTrue();
        assertThat(total(Metric.REFUSED_IP_CONNECTIONS)).isEqualTo(1);
        // Another address of the same /24 has its own count; the limit is per address.
        final Socket other = socketFrom("127.0.0.3");
        assertThat(keptOpen(other)).isTrue();
        // One of the three closes: the address may connect again.
        sockets.get(0).close();
        TestServers.await("the closed one released", () -> server.counters().openConnections() == 3);
        assertThat(keptOpen(socketFrom("127.0.0.2"))).isTrue();
        assertThat(total(Metric.REFUSED_IP_CONNECTIONS)).isEqualTo(1);
    }

    @Test
    void shouldLimitConnectionsPerPrefix() throws Exception {
        start("max-ip-connections", "2", "max-prefix-connections", "3", "ipv4-prefix", "24");
        socketFrom("127.0.0.2");
        socketFrom("127.0.0.2");
        socketFrom("127.0.0.3");
        TestServers.await("three admitted", () -> server.counters().openConnections() == 3);
        assertThat(closedByServer(socketFrom("127.0.0.4"))).isTrue();
        assertThat(total(Metric.REFUSED_PREFIX_CONNECTIONS)).isEqualTo(1);
        // 127.0.1.x is another /24.
        assertThat(keptOpen(socketFrom("127.0.1.2"))).isTrue();
    }

    @Test
    void shouldRateLimitNewConnectionsPerAddress() throws Exception {
        start("ip-connect-rate", "1", "ip-connect-burst", "5", "max-ip-connections", "0",
            "max-prefix-connections", "0");
        for (int i = 0; i < 5; i++) {
            socketFrom("127.0.0.5");
        }
        assertThat(closedByServer(socketFrom("127.0.0.5"))).isTrue();
        assertThat(total(Metric.REFUSED_IP_RATE)).isEqualTo(1);
        assertThat(keptOpen(socketFrom("127.0.0.6"))).isTrue();
    }

    @Test
    void shouldCloseBannedAddressesAtOnce() throws Exception {
        start("banned-addresses", "127.0.0.7");
        assertThat(closedByServer(socketFrom("127.0.0.7"))).isTrue();
        assertThat(keptOpen(socketFrom("127.0.0.8"))).isTrue();
        assertThat(total(Metric.REFUSED_BANNED)).isEqualTo(1);
        final TetherClient loopback = client("still-fine");
        assertThat(loopback.request("echo", ByteString.copyFromUtf8("x")).get(5, TimeUnit.SECONDS).getStatus())
            .isZero();
    }

    @Test
    void shouldCapServerConnectionsAndCountWithoutRefusingInDryRun() throws Exception {
        start("max-connections", "2");
        socketFrom("127.0.0.1");
        socketFrom("127.0.0.1");
        TestServers.await("two admitted", () -> server.counters().openConnections() == 2);
        assertThat(closedByServer(socketFrom("127.0.0.1"))).isTrue();
        assertThat(total(Metric.REFUSED_MAX_CONNECTIONS)).isEqualTo(1);
        server.shutdown(java.time.Duration.ofSeconds(1));
        sockets.forEach(s -> {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        });
        sockets.clear();

        start("max-connections", "2", "admission-dry-run", "true");
        socketFrom("127.0.0.1");
        socketFrom("127.0.0.1");
        final Socket third = socketFrom("127.0.0.1");
        TestServers.await("the third counted", () -> total(Metric.REFUSED_MAX_CONNECTIONS) == 1);
        assertThat(keptOpen(third)).isTrue();
    }

    @Test
    void shouldHoldConnectionsPastTheAcceptRateInTheQueueOrCloseThem() throws Exception {
        start("accept-rate", "1", "accept-burst", "2", "accept-overflow", "queue", "accept-queue", "10",
            "accept-queue-wait", "5s");
        final long t0 = System.nanoTime();
        final TetherClient a = client("a");
        final TetherClient b = client("b");
        // The third waits in the queue for the next token (a second), then gets its Welcome.
        final TetherClient c = client("c");
        assertThat(System.nanoTime() - t0).isGreaterThan(500_000_000L);
        assertThat(total(Metric.ACCEPTS_QUEUED)).isEqualTo(1);
        assertThat(c.request("echo", ByteString.copyFromUtf8("q")).get(5, TimeUnit.SECONDS).getStatus()).isZero();
        assertThat(a.isOpen() && b.isOpen()).isTrue();
        server.shutdown(java.time.Duration.ofSeconds(1));
        clients.forEach(TetherClient::close);
        clients.clear();

        start("accept-rate", "1", "accept-burst", "1", "accept-overflow", "close");
        client("first");
        assertThat(closedByServer(socketFrom("127.0.0.1"))).isTrue();
        assertThat(total(Metric.REFUSED_ACCEPT_RATE)).isEqualTo(1);
    }

    @Test
    void shouldRefuseAFlappingClientIdWithRetryAfterWhileItsOpenSessionWorks() throws Exception {
        start("client-flap-threshold", "3", "flap-window", "1m", "flap-ban", "30s");
        final TetherClient steady = client("device-1");
        for (int i = 0; i < 2; i++) {
            client("device-1").close(); // two more Hellos of the same id: three in the window
        }
        final long before = System.nanoTime();
        assertThatThrownBy(() -> client("device-1"))
            .hasRootCauseInstanceOf(TetherClosedException.class)
            .rootCause().satisfies(e -> {
                assertThat(((TetherClosedException) e).code()).isEqualTo(GoodbyeCode.OVERLOADED);
                assertThat(e.getMessage()).contains("retry after");
            });
        assertThat(System.nanoTime() - before).isLessThan(5_000_000_000L);
        assertThat(total(Metric.REFUSED_FLAPPING)).isEqualTo(1);
        // Its session from before the ban goes on; other client ids are not affected.
        assertThat(steady.request("echo", ByteString.copyFromUtf8("still here")).get(5, TimeUnit.SECONDS)
            .getPayload().toStringUtf8()).isEqualTo("still here");
        assertThat(client("device-2").isOpen()).isTrue();
    }

    @Test
    void shouldAnswerAFloodingSessionWithStatus8WhileAnotherIsUnaffected() throws Exception {
        start("session-request-rate", "50", "session-request-burst", "50", "session-request-overrun", "100000");
        final TetherClient flood = client("flood");
        final TetherClient calm = client("calm");
        final List<CompletableFuture<Response>> sent = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            sent.add(flood.request("echo", ByteString.copyFromUtf8("f" + i)));
        }
        int refused = 0;
        for (CompletableFuture<Response> f : sent) {
            final Response r = f.get(10, TimeUnit.SECONDS);
            if (r.getStatus() == Status.RESOURCE_EXHAUSTED) {
                refused++;
                assertThat(r.getError()).contains("session-request-rate");
            } else {
                assertThat(r.getStatus()).isZero();
            }
        }
        assertThat(refused).isGreaterThan(300); // 500 at once against a burst of 50
        assertThat(total(Metric.REFUSED_REQUEST_RATE)).isEqualTo(refused);
        for (int i = 0; i < 20; i++) {
            assertThat(calm.request("echo", ByteString.copyFromUtf8("c")).get(5, TimeUnit.SECONDS).getStatus())
                .isZero();
        }
        assertThat(flood.isOpen()).isTrue();
    }

    @Test
    void shouldCloseASessionThatKeepsIgnoringItsRequestRate() throws Exception {
        start("session-request-rate", "10", "session-request-burst", "10", "session-request-overrun", "20");
        final TetherClient flood = TetherClient.builder().clientId("flood").reconnect(false)
            .connect(TestServers.address(server));
        clients.add(flood);
        for (int i = 0; i < 200; i++) {
            flood.request("echo", ByteString.copyFromUtf8("f"));
        }
        final TetherClosedException closed = flood.closeFuture().get(10, TimeUnit.SECONDS);
        assertThat(closed.code()).isEqualTo(GoodbyeCode.OVERLOADED);
        assertThat(client("other").request("echo", ByteString.copyFromUtf8("o")).get(5, TimeUnit.SECONDS)
            .getStatus()).isZero();
    }

    @Test
    void shouldRefuseNewSessionsWithRetryAfterWhileTheHeapIsOverItsLimit() throws Exception {
        start("shed-heap-ratio", "0.0001", "overload-retry-after", "7s");
        final TetherClient before = client("before");
        final RawClient pending = RawClient.connect(TestServers.address(server)); // accepted, no Hello yet
        TestServers.await("shedding after a collection", () -> {
            System.gc(); // any live heap is over 0.01% of the maximum
            return total(Metric.SHED_PAUSES) == 1;
        });
        pending.sendFrame(HandWire.hello("latecomer"));
        final HandWire.Fields goodbye = pending.read(HandWire.GOODBYE);
        assertThat(goodbye.varint(1)).isEqualTo(GoodbyeCode.OVERLOADED);
        assertThat(goodbye.varint(3)).as("retry_after_ms").isEqualTo(7_000);
        assertThat(total(Metric.REFUSED_OVERLOADED)).isEqualTo(1);
        pending.close();
        // The session from before goes on.
        assertThat(before.request("echo", ByteString.copyFromUtf8("b")).get(5, TimeUnit.SECONDS).getStatus())
            .isZero();
    }

    @Test
    void shouldStopAcceptingWhileALoopLagsAndAcceptAgainAfter() throws Exception {
        server = TetherServer.builder().config(TestServers.config("admission-exempt", NOT_LOOPBACK,
                "shed-loop-lag", "100ms", "shed-heap-ratio", "0", "dispatch", "inline"))
            .onRequestInline("stall", call -> {
                if (!Thread.currentThread().getName().endsWith("-0")) {
                    java.util.concurrent.locks.LockSupport.parkNanos(2_000_000_000L); // blocks its loop: a bug
                }
                return io.tether.engine.server.Reply.ok(ByteString.EMPTY);
            })
            .start();
        final TetherClient a = client("a");
        final TetherClient b = client("b"); // one of the two is on the loop that does not accept
        final CompletableFuture<Response> stallA = a.request("stall", ByteString.EMPTY);
        final CompletableFuture<Response> stallB = b.request("stall", ByteString.EMPTY);
        TestServers.await("shedding while a loop is stuck", () -> total(Metric.SHED_PAUSES) == 1);
        final long acceptedWhilePaused = total(Metric.CONNECTIONS_ACCEPTED);
        // A connection made now waits in the kernel's backlog, and gets in once the loop is back.
        final TetherClient late = TetherClient.builder().clientId("late").timeout(java.time.Duration.ofSeconds(8))
            .connect(TestServers.address(server));
        clients.add(late);
        assertThat(stallA.get(10, TimeUnit.SECONDS).getStatus()).isZero();
        assertThat(stallB.get(10, TimeUnit.SECONDS).getStatus()).isZero();
        assertThat(total(Metric.CONNECTIONS_ACCEPTED)).isEqualTo(acceptedWhilePaused + 1);
        assertThat(late.request("echo", ByteString.copyFromUtf8("l")).get(5, TimeUnit.SECONDS).getStatus()).isZero();
    }

    @Test
    void shouldRefuseInvalidSettingsNamingThem() {
        assertThatThrownBy(() -> TestServers.config("accept-rate", "100", "accept-burst", "10"))
            .hasMessageContaining("accept-burst (10) must not be below accept-rate (100)");
        assertThatThrownBy(() -> TestServers.config("breaker-probes", "0"))
            .hasMessageContaining("breaker-probes");
        assertThatThrownBy(() -> TestServers.config("flap-window", "0s"))
            .hasMessageContaining("flap-window");
    }

}
