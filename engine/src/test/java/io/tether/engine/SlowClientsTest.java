package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tether.engine.client.TetherClient;
import io.tether.engine.config.ConfigBinder;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Metric;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * 5,000 sockets that connect and never speak, or trickle a WebSocket upgrade one byte a second, while a real client
 * keeps echoing: every one of them is closed by its handshake deadline, and the real client's requests all succeed
 * meanwhile. (What they cost the real client's latency is a benchmark's question, not this test's.)
 */
class SlowClientsTest {
    private static final int SILENT = 4_800;
    private static final int TRICKLING = 200;
    private static final byte[] UPGRADE = ("GET /tether HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        + "Sec-WebSocket-Protocol: tether.v1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    private TetherServer server;
    private final List<SocketChannel> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (SocketChannel s : sockets) {
            s.close();
        }
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    @Test
    void shouldCloseSilentAndTricklingSocketsByTheirDeadlineWhileARealClientIsServed() throws Exception {
        final Map<String, List<String>> values = new HashMap<>();
        values.put("listen", List.of("tcp://127.0.0.1:0", "ws://127.0.0.1:0/tether"));
        values.put("io-threads", List.of("2"));
        values.put("handshake-timeout", List.of("3s"));
        values.put("stat-file", List.of("off"));
        server = TetherServer.builder().config(ConfigBinder.bind(values)).start();
        final InetSocketAddress tcp = server.boundAddresses().get(0);
        final InetSocketAddress ws = server.boundAddresses().get(1);

        final AtomicBoolean done = new AtomicBoolean();
        final AtomicLong echoes = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread real = Thread.ofPlatform().daemon().start(() -> {
            try (TetherClient c = TetherClient.builder().clientId("real").connect(tcp)) {
                while (!done.get()) {
                    assertThat(c.request("echo", ByteString.copyFromUtf8("r")).get(10, TimeUnit.SECONDS)
                        .getStatus()).isZero();
                    echoes.incrementAndGet();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        TestServers.await("the real client echoing", () -> echoes.get() > 0 || failure.get() != null);

        final List<SocketChannel> trickling = new ArrayList<>();
        for (int i = 0; i < SILENT + TRICKLING; i++) {
            final SocketChannel s = SocketChannel.open(i < SILENT ? tcp : ws);
            sockets.add(s);
            if (i >= SILENT) {
                trickling.add(s);
            }
        }
        // One byte a second to each trickling socket, until the server closes them all.
        final long openedAt = System.nanoTime();
        int sent = 0;
        while (server.counters().total(Metric.HANDSHAKE_TIMEOUTS) < SILENT + TRICKLING
            && System.nanoTime() - openedAt < TimeUnit.SECONDS.toNanos(30)) {
            for (SocketChannel s : trickling) {
                if (s.isOpen() && sent < UPGRADE.length) {
                    try {
                        s.write(ByteBuffer.wrap(UPGRADE, sent, 1));
                    } catch (IOException closedByServer) {
                        s.close();
                    }
                }
            }
            sent++;
            // Pacing, not synchronisation: the trickle is one byte a second, or until every deadline has fired.
            final long next = openedAt + TimeUnit.SECONDS.toNanos(sentSeconds(openedAt));
            while (System.nanoTime() < next
                && server.counters().total(Metric.HANDSHAKE_TIMEOUTS) < SILENT + TRICKLING) {
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
            }
        }
        // All closed: 3 s of handshake deadline, plus the accept rate's queue for the last of them, plus slack.
        assertThat(server.counters().total(Metric.HANDSHAKE_TIMEOUTS)).isEqualTo(SILENT + TRICKLING);
        assertThat((System.nanoTime() - openedAt) / 1_000_000_000.0).isLessThan(15.0);
        TestServers.await("the server holds none of them", () -> server.counters().openConnections() == 1, 10);
        done.set(true);
        real.join(15_000);
        assertThat(failure.get()).isNull();
        assertThat(echoes.get()).isGreaterThan(100);
        for (SocketChannel s : sockets) {
            s.configureBlocking(true);
            final ByteBuffer b = ByteBuffer.allocate(512);
            int n;
            try {
                while ((n = s.read(b.clear())) > 0) {
                    // a Goodbye (TCP) or a 4000 close (WebSocket, once upgraded): the end follows
                }
            } catch (IOException reset) {
                n = -1;
            }
            assertThat(n).isEqualTo(-1);
        }
    }

    private static long sentSeconds(long openedAt) {
        return (System.nanoTime() - openedAt) / 1_000_000_000L + 1;
    }
}
