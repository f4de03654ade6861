package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.codec.GoodbyeCode;
import io.tether.engine.HandWire.Fields;
import io.tether.engine.server.PushResult;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Metric;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client that does not read costs the server a bounded amount of memory: pushers to it wait at the high
 * watermark until it is closed as a slow consumer, and a client that pipelines requests without reading the
 * responses is simply not read from until it does. Nobody else notices.
 */
class BackpressureTest {
    private static final int KIB = 1024;

    private final ServerWithRawClients servers = new ServerWithRawClients();

    @AfterEach
    void tearDown() throws IOException {
        servers.close();
    }

    @Test
    void shouldCloseSlowConsumersWhilePushesToThemWaitAndOthersAreServed() throws Exception {
        final TetherServer server = servers.start("io-threads", "1", "write-high-watermark", "64KiB",
            "write-low-watermark", "16KiB", "slow-consumer-timeout", "500ms");
        final RawClient other = servers.connect();
        other.hello("other");
        final List<SlowConsumer> slow = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            final RawClient c = servers.connect(8 * KIB);
            slow.add(new SlowConsumer(server, c, c.helloForSessionId("slow-" + i)));
        }
        slow.forEach(SlowConsumer::startPushing);

        final AtomicInteger echoes = new AtomicInteger();
        TestServers.await("every slow consumer closed while the other client is served", () -> {
            echo(other, "during the flood " + echoes.incrementAndGet());
            return servers.total(Metric.SLOW_CONSUMERS) >= slow.size();
        }, 30); // each closes 0.5 s after it stops reading, but a loaded machine fills socket buffers slowly
        // All at once: a closed slow consumer gets the server's linger (2 s) to read what was queued before its
        // Goodbye, not the time a sequential check of the others would take.
        final List<java.util.concurrent.CompletableFuture<Void>> checks = new ArrayList<>();
        for (SlowConsumer s : slow) {
            checks.add(java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    s.assertClosedAsSlowConsumer();
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
        }
        for (java.util.concurrent.CompletableFuture<Void> check : checks) {
            check.get(30, TimeUnit.SECONDS);
        }
        other.echo("after the flood");
        assertThat(echoes.get()).isPositive();
        assertThat(servers.total(Metric.SLOW_CONSUMERS)).as("each slow consumer counted once").isEqualTo(slow.size());
    }

    /** A client that says Hello and then does not read, and a platform thread pushing to it as fast as it may. */
    private record SlowConsumer(TetherServer server, RawClient client, String sessionId, AtomicInteger delivered,
                                CountDownLatch pusherDone) {
        /** Without the wait at the high watermark a pusher would queue 64 MiB on the server. */
        private static final int MAX_PUSHES = 64 * KIB;
        private static final byte[] PAYLOAD = new byte[KIB];

        SlowConsumer(TetherServer server, RawClient client, String sessionId) {
            this(server, client, sessionId, new AtomicInteger(), new CountDownLatch(1));
        }

        void startPushing() {
            Thread.ofPlatform().name("pusher-" + sessionId).start(() -> {
                try {
                    while (delivered.get() < MAX_PUSHES
                        && server.push(sessionId, "flood", PAYLOAD) == PushResult.DELIVERED) {
                        delivered.incrementAndGet();
                    }
                } finally {
                    pusherDone.countDown();
                }
            });
        }

        void assertClosedAsSlowConsumer() throws Exception {
            // Pushes were held at the watermark: what got out fits the server's socket send buffer (Linux lets it
            // grow to 4 MiB) and the 64 KiB watermark, not the 64 MiB the pusher had to give.
            assertThat(delivered.get()).isLessThan(8 * KIB);
            // Reading now, the client finds its pushes in order, then why it was closed, then the end.
            long seq = 0;
            Fields frame;
            while ((frame = client.readFrame()).kind() == HandWire.PUSH) {
                assertThat(frame.message(HandWire.PUSH).varint(1)).isEqualTo(++seq);
            }
            assertThat(frame.kind()).as("the frame after the pushes").isEqualTo(HandWire.GOODBYE);
            final Fields goodbye = frame.message(HandWire.GOODBYE);
            assertThat(goodbye.varint(1)).isEqualTo(GoodbyeCode.SLOW_CONSUMER);
            assertThat(goodbye.string(2)).contains("slow consumer");
            assertThat(client.readByte()).as("nothing after the Goodbye").isEqualTo(-1);
            assertThat(seq).isPositive().isLessThanOrEqualTo(delivered.get());
            assertThat(pusherDone.await(10, TimeUnit.SECONDS)).as("the pusher returned").isTrue();
            // The session outlives its connection (detached, resumable), so a push now waits in its outbox.
            assertThat(server.push(sessionId, "flood", PAYLOAD)).isEqualTo(PushResult.QUEUED);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"inline", "virtual"})
    void shouldStopReadingFromAClientThatDoesNotReadAndLoseNothingWhenItDoes(String dispatch) throws Exception {
        servers.start("io-threads", "1", "dispatch", dispatch, "write-high-watermark", "64KiB",
            "write-low-watermark", "16KiB", "slow-consumer-timeout", "30s", "max-session-inflight", "256");
        final RawClient client = servers.connect(16 * KIB);
        client.hello("pipeliner");
        final int requests = 10_000;

        final CountDownLatch written = new CountDownLatch(1);
        final AtomicReference<IOException> writeFailure = new AtomicReference<>();
        Thread.ofPlatform().name("pipeliner").start(() -> {
            try {
                final ByteArrayOutputStream batch = new ByteArrayOutputStream();
                for (int i = 1; i <= requests; i++) {
                    batch.writeBytes(HandWire.delimited(HandWire.request(i, "echo", payload(i))));
                    if (i % 100 == 0) {
                        client.send(batch.toByteArray());
                        batch.reset();
                    }
                }
                written.countDown();
            } catch (IOException e) {
                writeFailure.set(e);
            }
        });

        // 20 MiB of requests: far more than the sockets' buffers hold, so the writer can only finish if the server
        // reads on regardless of the responses piling up.
        assertThat(written.await(1, TimeUnit.SECONDS)).as("all requests written without reading").isFalse();
        assertThat(servers.total(Metric.REQUESTS)).as("requests the server took in").isLessThan(requests / 2);

        for (int i = 1; i <= requests; i++) {
            final Fields response = client.read(HandWire.RESPONSE);
            assertThat(response.varint(1)).isEqualTo(i);
            assertThat(response.varint(2)).isZero();
            assertThat(response.bytes(3)).isEqualTo(payload(i));
        }
        assertThat(written.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(writeFailure.get()).isNull();
        assertThat(servers.total(Metric.REQUESTS)).isEqualTo(requests);
        assertThat(servers.total(Metric.SLOW_CONSUMERS)).isZero();
    }

    private static byte[] payload(int i) {
        final byte[] p = new byte[2 * KIB];
        for (int k = 0; k < p.length; k++) {
            p[k] = (byte) (i * 7 + k);
        }
        return p;
    }

    private static void echo(RawClient client, String payload) {
        try {
            client.echo(payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
