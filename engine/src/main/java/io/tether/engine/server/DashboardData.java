package io.tether.engine.server;

import io.tether.telemetry.Counters;
import io.tether.telemetry.Latency;
import io.tether.telemetry.Metric;
import java.util.Locale;
import java.util.concurrent.locks.ReentrantLock;
import org.HdrHistogram.Histogram;

/**
 * {@code /dashboard.json}, what the dashboard page polls every second: totals (the page turns them into rates),
 * gauges, and latency percentiles over the interval since the previous poll (the difference of two cumulative
 * histograms), so the page can plot them over time.
 */
final class DashboardData {
    private static final Latency[] PLOTTED = {Latency.REQUEST, Latency.LOOP_LAG, Latency.PING_ROUND_TRIP};

    private final TetherServer server;
    private final ReentrantLock lock = new ReentrantLock();
    private final Histogram[] previous = new Histogram[Latency.values().length];

    DashboardData(TetherServer server) {
        this.server = server;
    }

    String json() {
        final Counters counters = server.counters();
        final Counters.Snapshot totals = counters.snapshot();
        final StringBuilder sb = new StringBuilder(2048);
        sb.append("{\"timeMs\":").append(System.currentTimeMillis())
            .append(",\"sessions\":").append(server.sessionCount())
            .append(",\"connectionsOpen\":").append(counters.openConnections());
        final Runtime rt = Runtime.getRuntime();
        sb.append(",\"heapUsedBytes\":").append(rt.totalMemory() - rt.freeMemory())
            .append(",\"heapMaxBytes\":").append(rt.maxMemory());
        sb.append(",\"certificateExpirySeconds\":")
            .append(server.tls() == null ? "null" : String.valueOf(server.tls().secondsToExpiry()));
        sb.append(",\"totals\":{");
        boolean first = true;
        for (Metric m : Metric.values()) {
            sb.append(first ? "" : ",").append('"').append(m.label()).append("\":").append(totals.get(m));
            first = false;
        }
        sb.append("},\"latencyMs\":{");
        lock.lock();
        try {
            for (int i = 0; i < PLOTTED.length; i++) {
                final Latency l = PLOTTED[i];
                final Histogram now = counters.latency(l);
                final Histogram interval = now.copy();
                if (previous[l.ordinal()] != null) {
                    interval.subtract(previous[l.ordinal()]);
                }
                previous[l.ordinal()] = now;
                sb.append(i == 0 ? "" : ",").append('"').append(l.label()).append("\":{\"count\":")
                    .append(interval.getTotalCount())
                    .append(",\"p50\":").append(ms(interval, 50)).append(",\"p90\":").append(ms(interval, 90))
                    .append(",\"p99\":").append(ms(interval, 99)).append(",\"max\":")
                    .append(interval.getTotalCount() == 0 ? "null" : fmt(interval.getMaxValue() / 1e6)).append('}');
            }
        } finally {
            lock.unlock();
        }
        return sb.append("}}\n").toString();
    }

    private static String ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? "null" : fmt(h.getValueAtPercentile(percentile) / 1e6);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }
}
