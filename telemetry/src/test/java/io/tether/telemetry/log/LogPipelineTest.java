package io.tether.telemetry.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;

/** The writer pipeline: it never makes a caller wait, counts what it drops, and survives failing writes. */
class LogPipelineTest {
    @TempDir
    Path dir;

    @Test
    void shouldDropAndCountWhenTheQueueIsFullInsteadOfWaiting() throws Exception {
        final LogControl control = new LogControl(System::currentTimeMillis);
        control.sampling(new Sampling(1 << 30, 1, 1 << 30, 1, false));
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger writes = new AtomicInteger();
        final LogTarget stalled = new LogTarget() {
            @Override
            public void write(byte[] bytes, int length) throws IOException {
                writes.incrementAndGet();
                try {
                    release.await(); // a reader that never reads, until the test lets go
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        final LogPipeline pipeline = new LogPipeline(control, stalled, LogFormat.JSON, 64, 0, 0, null, System.err);
        control.output(pipeline);
        final LogEvent e = control.event("io.tether.test", Level.INFO, "session.opened");
        final long start = System.nanoTime();
        for (int i = 0; i < 10_000; i++) {
            e.log("i", (long) i);
        }
        final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        final long queueFull = control.drops().get(DropReason.QUEUE_FULL);
        assertThat(queueFull).isGreaterThanOrEqualTo(10_000 - 64 - 1 - 1024); // the queue, plus what the writer took
        assertThat(pipeline.accepted() + queueFull).isEqualTo(10_000);
        assertThat(tookMs).as("10,000 calls against a stalled writer").isLessThan(5_000);
        release.countDown();
        pipeline.close();
        assertThat(pipeline.written()).isEqualTo(pipeline.accepted());
    }

    @Test
    void shouldCountFailedWritesAndKeepGoing() throws Exception {
        final LogControl control = new LogControl(System::currentTimeMillis);
        final ByteArrayOutputStream good = new ByteArrayOutputStream();
        final AtomicInteger failuresLeft = new AtomicInteger(3);
        final LogTarget flaky = new LogTarget() {
            @Override
            public void write(byte[] bytes, int length) throws IOException {
                if (failuresLeft.getAndDecrement() > 0) {
                    throw new IOException("No space left on device");
                }
                good.write(bytes, 0, length);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        final ByteArrayOutputStream notices = new ByteArrayOutputStream();
        final LogPipeline pipeline = new LogPipeline(control, flaky, LogFormat.JSON, 1024, 0, 0, null,
            new PrintStream(notices, true, StandardCharsets.UTF_8));
        control.output(pipeline);
        final LogEvent e = control.event("io.tether.test", Level.WARN, "tls.reload.refused");
        for (int i = 0; i < 50; i++) {
            e.log("reason", "try " + i);
            awaitIdle(pipeline); // each record its own write, so some fail and later ones succeed
        }
        pipeline.close();
        final long failed = control.drops().get(DropReason.WRITE_ERROR);
        assertThat(failed).isPositive();
        assertThat(pipeline.written() + failed).isEqualTo(pipeline.accepted()).isEqualTo(50);
        assertThat(good.toString(StandardCharsets.UTF_8).lines()).hasSize((int) pipeline.written());
        assertThat(notices.toString(StandardCharsets.UTF_8).lines())
            .singleElement().asString().contains("writing the log failed");
    }

    @Test
    void shouldCarryTheCurrentSpansIdsInJsonLines() throws Exception {
        final LogControl control = new LogControl(System::currentTimeMillis);
        final Path file = dir.resolve("traced.log");
        final LogPipeline pipeline = new LogPipeline(control, new RollingFile(file, 1 << 20, 2, 1 << 22),
            LogFormat.JSON, 1024, 0, 0, null, System.err);
        control.output(pipeline);
        final LogEvent e = control.event("io.tether.test", Level.INFO, "handler.done");
        final String traceId;
        final String spanId;
        traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        spanId = "00f067aa0ba902b7";
        final Span span = Span.wrap(SpanContext.create(traceId, spanId, TraceFlags.getSampled(),
            TraceState.getDefault()));
        try (Scope ignored = span.makeCurrent()) {
            e.log("method", "echo", "quote", "a \"quoted\"\n\tline \u2603 \ud83d\ude00", "n", 42L);
        }
        e.fail(new IllegalStateException("on purpose"), "method", "echo");
        pipeline.close();
        final List<Map<String, String>> records = JsonLines.parse(file);
        assertThat(records).hasSize(2);
        assertThat(records.get(0)).containsEntry("trace_id", traceId).containsEntry("span_id", spanId)
            .containsEntry("level", "INFO").containsEntry("event", "handler.done").containsEntry("n", "42")
            .containsEntry("quote", "a \"quoted\"  line \u2603 \ud83d\ude00");
        assertThat(records.get(1)).doesNotContainKey("trace_id")
            .containsEntry("error", "java.lang.IllegalStateException: on purpose");
        assertThat(records.get(1).get("stack")).contains("LogPipelineTest");
    }

    @Test
    void shouldChangeLevelSamplingAndFormatOfTheRunningLogger() throws Exception {
        final LogControl control = new LogControl(() -> 1_800_000_000_000L);
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final LogSettings settings = new LogSettings("auto", "", "info", 100, 100, 100, 100, false, 1024,
            1 << 20, 2, 1 << 22, 0, 0, 64);
        final ServerLog log = ServerLog.install(control, settings, false, new PrintStream(err, true,
            StandardCharsets.UTF_8), "", "http/protobuf");
        final LogEvent opened = control.event("io.tether.engine.server.ServerProtocol", Level.INFO,
            "session.opened");
        final LogEvent debug = control.event("io.tether.engine.server.ServerProtocol", Level.DEBUG,
            "session.resume.refused");
        final LogEvent loop = control.event("io.tether.engine.reactor.EventLoop", Level.INFO, "loop.command.failed");
        opened.log("session", "a");
        debug.log("session", "hidden");
        awaitIdle(log.pipeline());
        // Live: text, session events down to debug, the reactor quiet, and 2 a second then 1 in 1000.
        log.apply(new LogSettings("text", "", "info,session.=debug,io.tether.engine.reactor=off", 2, 1000, 100,
            100, false, 1024, 1 << 20, 2, 1 << 22, 0, 0, 64));
        debug.log("session", "b");
        loop.log("loop", "x");
        for (int i = 0; i < 5; i++) {
            opened.log("session", "c" + i);
        }
        log.close();
        final List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines.get(0)).startsWith("{\"ts\":\"").contains("\"event\":\"session.opened\"");
        assertThat(lines.subList(1, lines.size())).containsExactly(
            "2027-01-15T08:00:00.000Z DEBUG session.resume.refused session=b",
            "2027-01-15T08:00:00.000Z INFO  session.opened session=c0", // "a" was the window's first
            "2027-01-15T08:00:00.000Z INFO  log.suppressed total=4 dry_run=false session.opened=4");
    }

    @Test
    void shouldRollBySizeAndKeepOnlyItsCountAndTotal() throws Exception {
        final Path file = dir.resolve("tether.log");
        final Path stranger = dir.resolve("tether.log.keep");
        Files.writeString(stranger, "not ours");
        final RollingFile rolling = new RollingFile(file, 1000, 3, 3500);
        final byte[] line = ("x".repeat(99) + "\n").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 100; i++) {
            rolling.write(line, line.length);
        }
        rolling.close();
        final List<RollingFile.Rolled> rolled = rolling.rolled();
        assertThat(rolled).extracting(RollingFile.Rolled::seq).containsExactly(7L, 8L, 9L);
        assertThat(rolled).allSatisfy(r -> assertThat(r.size()).isEqualTo(1000));
        assertThat(Files.size(file)).isEqualTo(1000);
        assertThat(stranger).hasContent("not ours");
        assertThat(rolling.deleteOldestRolled()).isTrue();
        assertThat(rolling.rolled()).extracting(RollingFile.Rolled::seq).containsExactly(8L, 9L);
    }

    private static void awaitIdle(LogPipeline p) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!p.idle()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for the log writer to go idle");
            }
            Thread.sleep(5);
        }
    }
}
