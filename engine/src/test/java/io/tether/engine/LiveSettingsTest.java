package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tether.engine.config.ConfigSource;
import io.tether.engine.config.LiveConfig;
import io.tether.engine.server.PushResult;
import io.tether.engine.server.Reply;
import io.tether.engine.server.TetherServer;
import io.tether.engine.server.TetherServerBuilder;
import io.tether.telemetry.Metric;
import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every setting marked [live] changes a running server under traffic: each test starts a server that follows a
 * {@link LiveConfig}, keeps an echo client busy, changes the setting and sees the new behaviour, with the traffic
 * served throughout.
 */
class LiveSettingsTest {
    private final List<AutoCloseable> open = new ArrayList<>();
    private TetherServer server;
    private LiveConfig live;
    private Traffic traffic;

    @AfterEach
    void stop() throws Exception {
        if (traffic != null) {
            traffic.stopAndCheck();
        }
        for (AutoCloseable c : open) {
            c.close();
        }
        if (server != null) {
            server.shutdown(java.time.Duration.ZERO);
        }
    }

    private TetherServer start(String... settings) throws IOException {
        return start(TetherServer.builder(), settings);
    }

    private TetherServer start(TetherServerBuilder builder, String... settings) throws IOException {
        final Map<String, List<String>> flags = new HashMap<>();
        flags.put("listen", List.of("tcp://127.0.0.1:0"));
        flags.put("io-threads", List.of("2"));
        flags.put("stat-file", List.of("off"));
        final Map<String, List<String>> file = new HashMap<>();
        for (int i = 0; i < settings.length; i += 2) {
            file.put(settings[i], List.of(settings[i + 1]));
        }
        // The settings a test changes are in the file layer: a flag would take precedence over the change.
        live = LiveConfig.start(Map.of(ConfigSource.FLAG, flags, ConfigSource.FILE, file));
        server = builder.liveConfig(live).start();
        traffic = new Traffic(raw());
        return server;
    }

    private void change(String name, String value) {
        final Map<String, List<String>> file = new HashMap<>(live.snapshot().layers().get(ConfigSource.FILE));
        file.put(name, List.of(value));
        final LiveConfig.Outcome outcome = live.update(ConfigSource.FILE, file);
        assertThat(outcome.reasons()).isEmpty();
        assertThat(outcome.changed()).containsExactly(name);
        assertThat(server.config()).as("the config the server runs with").isSameAs(live.current());
    }

    private RawClient raw() throws IOException {
        final RawClient c = RawClient.connect(TestServers.address(server));
        open.add(c);
        return c;
    }

    private long total(Metric m) {
        return server.counters().total(m);
    }

    @Test
    void heartbeatIntervalReachesTheNextWelcomeAndThePingsOfExistingSessions() throws IOException {
        start("heartbeat-interval", "30s");
        final RawClient idle = raw();
        assertThat(idle.hello("idle").varint(4)).isEqualTo(30_000);
        change("heartbeat-interval", "300ms");
        assertThat(raw().hello("new").varint(4)).isEqualTo(300);
        // The idle session, which would not be pinged for 30 s, is pinged at the new pace.
        final long sent = System.nanoTime();
        assertThat(idle.readFrame().kind()).isEqualTo(HandWire.PING);
        assertThat((System.nanoTime() - sent) / 1_000_000).isLessThan(5_000);
    }

    @Test
    void heartbeatMissesClosesASilentSessionSooner() throws IOException {
        start("heartbeat-interval", "200ms", "heartbeat-misses", "100");
        final RawClient silent = raw();
        silent.hello("silent");
        assertThat(total(Metric.HEARTBEAT_TIMEOUTS)).isZero();
        change("heartbeat-misses", "2");
        TestServers.await("the silent session closed after 2 missed intervals",
            () -> total(Metric.HEARTBEAT_TIMEOUTS) >= 1, 5);
    }

    @Test
    void handshakeTimeoutAppliesToTheNextConnection() throws IOException {
        start("handshake-timeout", "30s");
        change("handshake-timeout", "200ms");
        try (Socket mute = new Socket(TestServers.address(server).getAddress(), TestServers.address(server)
            .getPort())) {
            mute.setSoTimeout(5_000);
            TestServers.await("a connection without a Hello closed", () -> total(Metric.HANDSHAKE_TIMEOUTS) >= 1, 5);
        }
    }

    @Test
    void slowConsumerTimeoutAppliesToTheNextSlowConsumer() throws Exception {
        start("slow-consumer-timeout", "60s", "write-high-watermark", "64KiB", "write-low-watermark", "16KiB");
        change("slow-consumer-timeout", "300ms");
        final RawClient slow = RawClient.connect(TestServers.address(server), 4096);
        open.add(slow);
        final String id = slow.helloForSessionId("slow");
        final Thread pusher = Thread.ofPlatform().daemon(true).start(() -> {
            final ByteString payload = ByteString.copyFrom(new byte[32 * 1024]);
            while (total(Metric.SLOW_CONSUMERS) == 0 && !Thread.currentThread().isInterrupted()) {
                server.push(id, "fill", payload); // waits at the high watermark
            }
        });
        try {
            TestServers.await("the client that stopped reading closed as a slow consumer",
                () -> total(Metric.SLOW_CONSUMERS) >= 1, 20);
        } finally {
            pusher.interrupt();
        }
    }

    /** Opens a socket from {@code source} and says whether the server closed it before a byte was sent. */
    private boolean refusedAtAccept(String source) {
        try (Socket s = new Socket()) {
            s.bind(new java.net.InetSocketAddress(source, 0));
            s.connect(TestServers.address(server), 5_000);
            s.setSoTimeout(300);
            return s.getInputStream().read() == -1;
        } catch (java.net.SocketTimeoutException keptOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    @Test
    void bannedAddressesAndMaxConnectionsApplyToTheNextConnection() throws IOException {
        start();
        assertThat(refusedAtAccept("127.0.0.20")).isFalse();
        change("banned-addresses", "127.0.0.20");
        TestServers.await("127.0.0.20 refused", () -> refusedAtAccept("127.0.0.20"), 5);
        assertThat(refusedAtAccept("127.0.0.21")).isFalse();
        assertThat(total(Metric.REFUSED_BANNED)).isGreaterThanOrEqualTo(1);
        change("max-connections", "1"); // the traffic client holds the one
        TestServers.await("a second connection refused", () -> refusedAtAccept("127.0.0.21"), 5);
        assertThat(total(Metric.REFUSED_MAX_CONNECTIONS)).isGreaterThanOrEqualTo(1);
    }

    @Test
    void sessionRequestRateAppliesToSessionsAlreadyOpen() throws Exception {
        start("admission-exempt", "192.0.2.0/24"); // loopback sessions are exempt by default
        final io.tether.engine.client.TetherClient busy = io.tether.engine.client.TetherClient.builder()
            .clientId("busy").connect(TestServers.address(server));
        open.add(busy);
        traffic.stopAndCheck(); // the echo traffic's session would be limited to 1/s as well
        traffic = null;
        change("session-request-burst", "1"); // first: a burst below the rate would be refused
        change("session-request-rate", "1");
        TestServers.await("a request over the new rate answered with status 8", () -> {
            try {
                return busy.request("echo", ByteString.copyFromUtf8("x")).get(5, java.util.concurrent.TimeUnit.SECONDS)
                    .getStatus() == io.tether.codec.Status.RESOURCE_EXHAUSTED;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, 5);
        assertThat(total(Metric.REFUSED_REQUEST_RATE)).isGreaterThanOrEqualTo(1);
    }

    @Test
    void resumeWindowAppliesToTheNextDetach() throws IOException {
        start("resume-window", "10m");
        change("resume-window", "300ms");
        final RawClient leaving = raw();
        leaving.hello("leaving");
        leaving.close();
        TestServers.await("the detached session expired", () -> total(Metric.SESSIONS_EXPIRED) >= 1, 5);
    }

    @Test
    void sessionOutboxBytesAppliesToTheNextPush() throws IOException {
        start("session-outbox-bytes", "1MiB");
        final RawClient c = raw();
        final String id = c.helloForSessionId("pushed");
        final ByteString payload = ByteString.copyFrom(new byte[8 * 1024]);
        assertThat(server.push(id, "big", payload)).isEqualTo(PushResult.DELIVERED);
        change("session-outbox-bytes", "4KiB");
        assertThatThrownBy(() -> server.push(id, "big", payload)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("session-outbox-bytes");
        assertThat(server.push(id, "small", ByteString.copyFrom(new byte[1024]))).isEqualTo(PushResult.DELIVERED);
    }

    @Test
    void shutdownGraceAppliesToTheNextShutdown() throws Exception {
        final CountDownLatch never = new CountDownLatch(1);
        final CountDownLatch running = new CountDownLatch(1);
        start(TetherServer.builder().onRequest("block", call -> {
            running.countDown();
            never.await();
            return Reply.ok(ByteString.EMPTY);
        }), "shutdown-grace", "60s");
        change("shutdown-grace", "200ms");
        final RawClient c = raw();
        c.hello("blocked");
        c.sendFrame(HandWire.request(1, "block", HandWire.utf8("")));
        running.await();
        traffic.stopAndCheck();
        traffic = null;
        final long t0 = System.nanoTime();
        server.close();
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms to shut down").isLessThan(5_000);
        server = null;
        never.countDown();
    }

    /** An echo client kept busy on its own thread; every echo must be answered, before and after a change. */
    static final class Traffic {
        private final Thread thread;
        private final AtomicLong echoes = new AtomicLong();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private volatile boolean stop;

        Traffic(RawClient client) throws IOException {
            client.hello("traffic");
            thread = Thread.ofPlatform().name("traffic").daemon(true).start(() -> {
                try {
                    while (!stop) {
                        client.echo("e" + echoes.get());
                        echoes.incrementAndGet();
                    }
                } catch (Throwable t) {
                    if (!stop) {
                        failure.set(t);
                    }
                }
            });
            TestServers.await("traffic flowing", () -> echoes.get() > 10);
        }

        void stopAndCheck() throws InterruptedException {
            final long before = echoes.get();
            TestServers.await("traffic still flowing", () -> echoes.get() > before + 10 || failure.get() != null);
            stop = true;
            thread.join(5_000);
            assertThat(failure.get()).as("echo traffic failed").isNull();
        }
    }
}
