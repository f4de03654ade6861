package io.tether.telemetry.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;

/**
 * A reconnect storm of 50,000 connection events (four threads, 10,000 a second for five seconds of the control's
 * clock, whose windows the test closes): each second each event writes exactly its first N plus one in M of the
 * rest, one log.suppressed summary a second says how many of which were dropped, and the summaries add up to
 * exactly what was not written. The file is read back with Python's json module.
 */
class LogStormTest {
    private static final int SECONDS = 5;
    private static final int THREADS = 4;
    private static final int PER_THREAD_PER_EVENT = 1250; // 4 x 1250 x 2 events = 10,000 a second

    @TempDir
    Path dir;

    @Test
    void shouldBoundAStormToTheSampledRateWithExactSuppressedCounts() throws Exception {
        final AtomicLong now = new AtomicLong(1_800_000_000_000L);
        final LogControl control = new LogControl(now::get);
        control.sampling(new Sampling(100, 100, 100, 100, false));
        final LogEvent opened = control.event("io.tether.test", Level.INFO, "session.opened");
        final LogEvent detached = control.event("io.tether.test", Level.INFO, "session.detached");
        final Path file = dir.resolve("tether.log");
        final LogPipeline pipeline = new LogPipeline(control, new RollingFile(file, 1L << 30, 8, 1L << 32),
            LogFormat.JSON, 1 << 17, 0, 0, null, System.err);
        control.output(pipeline);
        long suppressedByTicks = 0;
        for (int s = 0; s < SECONDS; s++) {
            final Thread[] threads = new Thread[THREADS];
            for (int t = 0; t < THREADS; t++) {
                final int id = t;
                threads[t] = new Thread(() -> {
                    for (int i = 0; i < PER_THREAD_PER_EVENT; i++) {
                        final String session = "s" + id + "-" + i;
                        opened.log("session", session, "client", "storm", "remote", "/127.0.0.1:" + (1024 + i));
                        detached.log("session", session, "code", 1001L, "reason", "connection closed");
                    }
                });
                threads[t].start();
            }
            for (Thread t : threads) {
                t.join();
            }
            suppressedByTicks += control.tick();
            now.addAndGet(1000);
        }
        pipeline.close();

        final List<Map<String, String>> records = JsonLines.parse(file);
        final Map<String, Integer> linesPerSecondAndEvent = new HashMap<>();
        final Map<String, Long> suppressed = new HashMap<>();
        int summaries = 0;
        int lines = 0;
        for (Map<String, String> r : records) {
            if (r.get("event").equals("log.suppressed")) {
                summaries++;
                assertThat(r.get("dry_run")).isEqualTo("False");
                long sum = 0;
                for (String e : List.of("session.opened", "session.detached")) {
                    final long n = Long.parseLong(r.get(e));
                    suppressed.merge(e, n, Long::sum);
                    sum += n;
                }
                assertThat(Long.parseLong(r.get("total"))).isEqualTo(sum);
                continue;
            }
            lines++;
            linesPerSecondAndEvent.merge(r.get("ts").substring(0, 19) + " " + r.get("event"), 1, Integer::sum);
        }
        final int perSecondEvents = THREADS * PER_THREAD_PER_EVENT;
        final int allowed = 100 + (perSecondEvents - 100) / 100; // first 100, then 1 in 100
        assertThat(summaries).isEqualTo(SECONDS);
        assertThat(linesPerSecondAndEvent).hasSize(SECONDS * 2).allSatisfy((k, n) -> assertThat(n).isEqualTo(allowed));
        final long total = (long) SECONDS * 2 * perSecondEvents;
        assertThat(total).isEqualTo(50_000);
        assertThat(suppressed.get("session.opened") + suppressed.get("session.detached")).isEqualTo(total - lines)
            .isEqualTo(suppressedByTicks).isEqualTo(control.drops().get(DropReason.SAMPLED));
        assertThat(suppressed.get("session.opened")).isEqualTo(suppressed.get("session.detached"));
        assertThat(pipeline.written()).isEqualTo(records.size());
        assertThat(Files.size(file)).isPositive();
    }

    @Test
    void shouldWriteEverythingInADryRunAndSayWhatWouldHaveBeenDropped() throws Exception {
        final LogControl control = new LogControl(() -> 1_800_000_000_000L);
        control.sampling(new Sampling(10, 10, 10, 10, true));
        final LogEvent e = control.event("io.tether.test", Level.INFO, "session.opened");
        final Path file = dir.resolve("dry.log");
        final LogPipeline pipeline = new LogPipeline(control, new RollingFile(file, 1L << 30, 8, 1L << 32),
            LogFormat.JSON, 4096, 0, 0, null, System.err);
        control.output(pipeline);
        for (int i = 0; i < 1000; i++) {
            e.log("n", (long) i);
        }
        assertThat(control.tick()).isEqualTo(1000 - (10 + 990 / 10));
        pipeline.close();
        final List<Map<String, String>> records = JsonLines.parse(file);
        assertThat(records).hasSize(1001);
        final Map<String, String> summary = records.get(records.size() - 1);
        assertThat(summary).containsEntry("event", "log.suppressed").containsEntry("dry_run", "True")
            .containsEntry("session.opened", "891");
        assertThat(control.drops().get(DropReason.SAMPLED)).isZero();
    }

    @Test
    void shouldSampleErrorsApartFromInfo() {
        final LogControl control = new LogControl(() -> 0L);
        control.sampling(new Sampling(100, 100, 5, 1000, false));
        final List<LogRecord> out = new java.util.ArrayList<>();
        control.output(r -> out.add(r));
        final LogEvent info = control.event("io.tether.test", Level.INFO, "admission.refused");
        final LogEvent warn = control.event("io.tether.test", Level.WARN, "admission.refused");
        int infoPassed = 0;
        int warnPassed = 0;
        for (int i = 0; i < 100; i++) {
            infoPassed += info.admit() ? 1 : 0;
            warnPassed += warn.admit() ? 1 : 0;
        }
        assertThat(infoPassed).isEqualTo(100);
        assertThat(warnPassed).isEqualTo(5);
        out.clear();
        control.tick();
        assertThat(out).singleElement().satisfies(r -> {
            assertThat(r.event()).isEqualTo("log.suppressed");
            assertThat(r.field("total")).isEqualTo(95L);
            assertThat(r.field("admission.refused")).isEqualTo(95L);
        });
    }
}
