package io.tether.cli;

import io.tether.telemetry.Counters;
import io.tether.telemetry.Metric;
import java.util.function.IntSupplier;

/** The one-line summary {@code serve} prints every {@code --stats-interval}: totals and rates since the last line. */
final class StatsLine {
    private final Counters counters;
    private final IntSupplier sessions;
    private Counters.Snapshot last;

    StatsLine(Counters counters, IntSupplier sessions) {
        this.counters = counters;
        this.sessions = sessions;
        this.last = counters.snapshot();
    }

    String next() {
        final Counters.Snapshot now = counters.snapshot();
        final double seconds = Math.max(1e-9, (now.nanoTime() - last.nanoTime()) / 1e9);
        final String line = String.format(
            "sessions %d | connections open %d accepted %d closed %d | in %.0f frames/s %.1f MB/s | "
                + "out %.0f frames/s %.1f MB/s | errors handler %d protocol %d handshake-timeout %d slow %d",
            sessions.getAsInt(),
            now.get(Metric.CONNECTIONS_ACCEPTED) - now.get(Metric.CONNECTIONS_CLOSED),
            now.get(Metric.CONNECTIONS_ACCEPTED), now.get(Metric.CONNECTIONS_CLOSED),
            rate(now, Metric.FRAMES_IN, seconds), rate(now, Metric.BYTES_IN, seconds) / 1e6,
            rate(now, Metric.FRAMES_OUT, seconds), rate(now, Metric.BYTES_OUT, seconds) / 1e6,
            now.get(Metric.HANDLER_ERRORS), now.get(Metric.PROTOCOL_ERRORS), now.get(Metric.HANDSHAKE_TIMEOUTS),
            now.get(Metric.SLOW_CONSUMERS));
        last = now;
        return line;
    }

    private double rate(Counters.Snapshot now, Metric m, double seconds) {
        return (now.get(m) - last.get(m)) / seconds;
    }
}
