package io.tether.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatFileTest {
    @TempDir
    Path dir;

    @Test
    void shouldShowAnotherMappingTheCountersSummedOverTheirOwnersAndTheGauges() throws Exception {
        final Path file = dir.resolve("s.stat");
        try (Counters counters = Counters.mapped(file, 256)) {
            final CounterSet a = counters.newSet("loop-0");
            final CounterSet b = counters.newSet("loop-1");
            a.add(Metric.FRAMES_IN, 40);
            b.add(Metric.FRAMES_IN, 2);
            a.add(Metric.CONNECTIONS_ACCEPTED, 3);
            counters.gauge("sessions-active", "tether.server.active_sessions", "{session}", "sessions", () -> 17);
            final StatFileReader reader = StatFileReader.open(file);
            assertThat(reader.pid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(reader.whyGone(System.currentTimeMillis())).isNull();
            final StatFileReader.Values v = reader.read();
            assertThat(v.counters()).containsEntry("frames-in", 42L).containsEntry("connections-accepted", 3L)
                .containsEntry("bytes-out", 0L);
            awaitGauge(reader, "sessions-active", 17);
            awaitGauge(reader, "connections-open", 3);
            final long before = reader.heartbeatMs();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (reader.heartbeatMs() == before && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(reader.heartbeatMs()).as("heartbeat moves").isGreaterThan(before);
        }
        assertThat(file).as("deleted on close").doesNotExist();
    }

    @Test
    void shouldReportTheServerGoneWhenItsHeartbeatIsStaleOrItsProcessIsDead() throws Exception {
        final Path file = dir.resolve("s.stat");
        final Path copy = dir.resolve("copy.stat");
        try (Counters counters = Counters.mapped(file, 128)) {
            counters.newSet("loop-0").add(Metric.REQUESTS, 9);
            Files.copy(file, copy);
        }
        final long old = System.currentTimeMillis() - 60_000;
        patchLong(copy, StatFileDescriptor.HEARTBEAT_OFFSET, old);
        final StatFileReader stale = StatFileReader.open(copy);
        assertThat(stale.whyGone(System.currentTimeMillis())).contains("heartbeat is").contains("ms old");
        assertThat(stale.read().counters()).containsEntry("requests", 9L);

        final Process p = new ProcessBuilder("true").start();
        p.waitFor();
        patchLong(copy, StatFileDescriptor.PID_OFFSET, p.pid());
        assertThat(StatFileReader.open(copy).whyGone(System.currentTimeMillis())).contains("no such process");
    }

    @Test
    void shouldRefuseAFileOfAnotherVersionOrNoStatFileAtAll() throws Exception {
        final Path file = dir.resolve("s.stat");
        final Path copy = dir.resolve("copy.stat");
        try (Counters counters = Counters.mapped(file, 128)) {
            Files.copy(file, copy);
        }
        final ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(copy)).order(ByteOrder.nativeOrder());
        b.putInt(StatFileDescriptor.VERSION_OFFSET, 99);
        Files.write(copy, b.array());
        assertThatThrownBy(() -> StatFileReader.open(copy)).isInstanceOf(StatFileReader.StatFileException.class)
            .hasMessageContaining("version 99");
        final Path text = Files.writeString(dir.resolve("x.stat"), "x".repeat(500));
        assertThatThrownBy(() -> StatFileReader.open(text)).hasMessageContaining("not a tether stat file");
        final Path tiny = Files.writeString(dir.resolve("y.stat"), "x");
        assertThatThrownBy(() -> StatFileReader.open(tiny)).hasMessageContaining("not a tether stat file");
    }

    private static void awaitGauge(StatFileReader reader, String name, long expected) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!Long.valueOf(expected).equals(reader.read().gauges().get(name))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " never became " + expected + ": " + reader.read().gauges());
            }
            Thread.onSpinWait();
        }
    }

    private static void patchLong(Path file, int offset, long value) throws IOException {
        final ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.nativeOrder());
        b.putLong(offset, value);
        Files.write(file, b.array());
    }
}
