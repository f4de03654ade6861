package io.tether.engine.log;

import com.google.protobuf.ByteString;
import io.tether.engine.TestServers;
import io.tether.engine.client.TetherClient;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * Real clients against a server while its log is in trouble: one session echoing requests back to back (counted),
 * and a churn of sessions that connect and close, each an INFO session.opened and session.detached record.
 * Each echo's round trip is recorded in nanoseconds.
 */
final class LogLoad implements AutoCloseable {
    final AtomicLong echoed = new AtomicLong();
    final AtomicLong echoFailures = new AtomicLong();
    final AtomicLong churned = new AtomicLong();
    private final SingleWriterRecorder latencies = new SingleWriterRecorder(3);
    private final Thread echo;
    private final Thread churn;
    private volatile boolean running = true;

    LogLoad(InetSocketAddress server) {
        echo = Thread.ofPlatform().name("log-load-echo").start(() -> {
            try (TetherClient client = TetherClient.builder().clientId("echo").connect(server)) {
                final ByteString payload = ByteString.copyFromUtf8("x".repeat(64));
                while (running) {
                    try {
                        final long start = System.nanoTime();
                        client.request("echo", payload).get(10, TimeUnit.SECONDS);
                        latencies.recordValue(System.nanoTime() - start);
                        echoed.incrementAndGet();
                    } catch (Exception e) {
                        echoFailures.incrementAndGet();
                    }
                }
            } catch (Exception e) {
                echoFailures.incrementAndGet();
            }
        });
        churn = Thread.ofPlatform().name("log-load-churn").start(() -> {
            while (running) {
                try (TetherClient c = TetherClient.builder().clientId("churn").reconnect(false).connect(server)) {
                    churned.incrementAndGet();
                } catch (Exception e) {
                    // counted by the server's metrics if it matters; the echo session is what the test watches
                }
            }
        });
    }

    /** How many echoes complete in {@code millis} from now. */
    long echoesWithin(long millis) throws InterruptedException {
        final long before = echoed.get();
        Thread.sleep(millis);
        return echoed.get() - before;
    }

    /** The round trips of the next {@code count} echoes (or a few more), waiting up to {@code seconds} for them. */
    Histogram nextEchoes(int count, int seconds) {
        latencies.getIntervalHistogram(); // what came before is another phase's
        final long until = echoed.get() + count;
        TestServers.await(count + " echoes", () -> echoed.get() >= until, seconds);
        return latencies.getIntervalHistogram();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        echo.join(15_000);
        churn.join(15_000);
    }
}
