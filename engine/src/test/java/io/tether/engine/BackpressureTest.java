package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.engine.HandWire.Fields;
import io.tether.telemetry.Metric;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
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
}
