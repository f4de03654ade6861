package io.tether.engine.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.engine.TestServers;
import io.tether.engine.config.TetherConfig;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Metric;
import io.tether.telemetry.log.DropReason;
import io.tether.telemetry.log.LogControl;
import io.tether.telemetry.log.LogDrops;
import io.tether.telemetry.log.ServerLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log writer stalled for real: {@code log-file} is a FIFO (made with {@code mkfifo}) that the test holds open
 * and never reads, so once the pipe's buffer is full the writer thread blocks in {@code write(2)}. One server, the
 * same real clients (an echo session and a churn of connections, each logged at INFO) in two phases: logging to a
 * normal file, then to the stalled pipe. Echo keeps completing with its p99 within a generous bound of the first
 * phase's (3x plus 5 ms: the machine is two shared cores), and the records the full queue turned away are counted
 * in the server's log drop metrics. Read again, the pipe gets every record the queue took.
 */
class LogStalledWriterTest {
    private static final int ECHOES = 3000;
    private static final int QUEUE = 512;

    @TempDir
    Path dir;

    @Test
    void shouldKeepEchoP99AndCountDropsWhileTheLogWriterIsStalled() throws Exception {
        final Path fifo = dir.resolve("stalled.log");
        HostCommand.run("the test makes a named pipe for the log file", "mkfifo", fifo.toString());
        final String[] common = {"log-queue", String.valueOf(QUEUE), "log-sample-first", "1000000",
            "log-sample-thereafter", "1"};
        final TetherConfig quiet = config(common, "log-file", dir.resolve("tether.log").toString());
        final TetherConfig stalled = config(common, "log-file", fifo.toString());
        final LogDrops drops = LogControl.global().drops();
        // Held open read-write so the writer's open(2) does not wait for a reader, and never read until the end.
        final FileChannel pipe = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE);
        final AtomicLong linesRead = new AtomicLong();
        ServerLog log = ServerLog.install(LogControl.global(), quiet.logSettings(), false, System.err, "", "grpc");
        TetherServer server = null;
        Thread reader = null;
        try {
            server = TetherServer.builder().config(quiet).start();
            log.countInto(server.counters().newSet("log"));
            final Histogram quietEchoes;
            final Histogram stalledEchoes;
            final long queueFullInPhase;
            try (LogLoad load = new LogLoad(TestServers.address(server))) {
                load.nextEchoes(ECHOES, 60); // warm-up
                quietEchoes = load.nextEchoes(ECHOES, 60);
                assertThat(log.pipeline().written()).as("the first phase logs its churn").isPositive();

                log.close();
                log = ServerLog.install(LogControl.global(), stalled.logSettings(), false, System.err, "", "grpc");
                final long queueFullBefore = drops.get(DropReason.QUEUE_FULL);
                final ServerLog l = log;
                TestServers.await("the writer stalled behind a full queue",
                    () -> l.pipeline().accepted() - l.pipeline().written() >= QUEUE, 30);
                final long writtenWhenStalled = log.pipeline().written();
                stalledEchoes = load.nextEchoes(ECHOES, 60);
                queueFullInPhase = drops.get(DropReason.QUEUE_FULL) - queueFullBefore;
                assertThat(queueFullInPhase).as("records dropped in front of the stalled writer").isPositive();
                assertThat(log.pipeline().written()).as("the writer stayed stalled through the phase")
                    .isEqualTo(writtenWhenStalled);
                assertThat(load.echoFailures.get()).as("echoes that failed or took 10 s").isZero();
            }
            final long quietP99 = quietEchoes.getValueAtPercentile(99);
            final long stalledP99 = stalledEchoes.getValueAtPercentile(99);
            System.out.printf("echo p99: %d us logging to a file, %d us with the log writer stalled "
                + "(%d records dropped, queue full)%n", quietP99 / 1000, stalledP99 / 1000, queueFullInPhase);
            assertThat(stalledP99).as("echo p99 with the writer stalled, against %d ns logging to a file", quietP99)
                .isLessThanOrEqualTo(3 * quietP99 + TimeUnit.MILLISECONDS.toNanos(5));

            final TetherServer s = server;
            TestServers.await("the queue-full drops in the server's metrics",
                () -> s.counters().total(Metric.LOG_DROPPED_QUEUE_FULL) >= queueFullInPhase, 10);

            // Read again, the pipe gets every record the queue took in, and nothing is dropped for it.
            reader = Thread.ofPlatform().name("stalled-log-reader").start(() -> drain(pipe, linesRead));
            final ServerLog stalledLog = log;
            TestServers.await("the stalled records written", () -> stalledLog.pipeline().idle(), 20);
            server.shutdown(Duration.ofSeconds(2));
            server = null;
            log.close();
            final long accepted = log.pipeline().accepted();
            final long written = log.pipeline().written();
            log = null;
            assertThat(written).as("every record the queue took is written").isEqualTo(accepted);
            TestServers.await("every line read from the pipe", () -> linesRead.get() == written, 10);
        } finally {
            if (reader == null) {
                reader = Thread.ofPlatform().name("stalled-log-reader").start(() -> drain(pipe, linesRead));
            }
            if (server != null) {
                server.shutdown(Duration.ofSeconds(1));
            }
            if (log != null) {
                log.close();
            }
            pipe.close(); // ends the reader
            reader.join(5000);
        }
    }

    private static TetherConfig config(String[] common, String... more) {
        final String[] pairs = new String[common.length + more.length];
        System.arraycopy(common, 0, pairs, 0, common.length);
        System.arraycopy(more, 0, pairs, common.length, more.length);
        return TestServers.config(pairs);
    }

    /** Reads the pipe until it is closed, counting lines. */
    private static void drain(FileChannel pipe, AtomicLong lines) {
        final ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        try {
            while (pipe.read(b.clear()) >= 0) {
                for (int i = 0; i < b.position(); i++) {
                    if (b.get(i) == '\n') {
                        lines.incrementAndGet();
                    }
                }
            }
        } catch (IOException closed) {
            // the test closed it
        }
    }
}
