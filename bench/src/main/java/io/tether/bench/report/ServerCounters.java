package io.tether.bench.report;

import io.tether.telemetry.Metric;
import io.tether.telemetry.StatFileReader;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The server's own counters, read from its stat file (the file {@code tether stat} reads: mapped read-only, so
 * sampling costs the server nothing) once an interval: connections open, sessions active, requests and pushes.
 */
final class ServerCounters {
    /** Totals at one instant; {@code sessionsActive} is the server's gauge, mirrored four times a second. */
    record Sample(long nanoTime, long connectionsOpen, long sessionsActive, long requests, long pushes) {
    }

    private final StatFileReader reader;
    private String gone;

    private ServerCounters(StatFileReader reader) {
        this.reader = reader;
    }

    static ServerCounters open(Path statFile) throws IOException {
        return new ServerCounters(StatFileReader.open(statFile));
    }

    Path file() {
        return reader.file();
    }

    long pid() {
        return reader.pid();
    }

    /** The counters now, or null once the server is gone (then {@link #gone()} says why). */
    Sample sample() {
        if (gone == null) {
            gone = reader.whyGone(System.currentTimeMillis());
        }
        if (gone != null) {
            return null;
        }
        final StatFileReader.Values v = reader.read();
        final long open = counter(v, Metric.CONNECTIONS_ACCEPTED) - counter(v, Metric.CONNECTIONS_CLOSED);
        return new Sample(v.nanoTime(), open, v.gauges().getOrDefault("sessions-active", 0L),
            counter(v, Metric.REQUESTS), counter(v, Metric.PUSHES));
    }

    /** Why the server stopped answering, or null while it runs. */
    String gone() {
        return gone;
    }

    private static long counter(StatFileReader.Values v, Metric m) {
        return v.counters().getOrDefault(m.label(), 0L);
    }
}
