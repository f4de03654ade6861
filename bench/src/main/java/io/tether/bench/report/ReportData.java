package io.tether.bench.report;

import io.tether.bench.BenchInterval;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the report shows over time, collected from the intervals the load generator hands over (on the bench's
 * own thread, with the histograms the progress lines took): per interval the sessions, connects/s, responses/s,
 * latency percentiles, and the server's counters when its stat file was given. Each measured interval's
 * histograms go to latency.hlog at once, so what stays in memory is a few numbers per interval.
 */
final class ReportData implements Consumer<BenchInterval>, AutoCloseable {
    /** One interval, {@code start} to {@code end} seconds since the first connect. */
    record Row(BenchInterval.Phase phase, double start, double end, long sessions, double connectsPerSecond,
               double responsesPerSecond, LatencySummary latency, LatencySummary actualLatency,
               LatencySummary sendLag, ServerRow server) {
    }

    /** The server's counters over one interval; NaN where they were not read. */
    record ServerRow(double connectionsOpen, double sessionsActive, double requestsPerSecond,
                     double pushesPerSecond) {
        static final ServerRow NONE = new ServerRow(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }

    private final IntervalLog log;
    private final boolean openLoop;
    private final ServerCounters server;
    private final String serverNote;
    private final long openedNanos = System.nanoTime();
    private final long openedEpochMs = System.currentTimeMillis();
    private final List<Row> rows = new ArrayList<>();
    private ServerCounters.Sample lastSample;
    private long firstNanos;
    private long startedEpochMs = openedEpochMs;
    private IOException logFailure;

    /**
     * @param server the server's counters, or null; then {@code serverNote} says why there are none
     */
    ReportData(IntervalLog log, boolean openLoop, ServerCounters server, String serverNote) {
        this.log = log;
        this.openLoop = openLoop;
        this.server = server;
        this.serverNote = serverNote;
        this.lastSample = server == null ? null : server.sample();
    }

    @Override
    public void accept(BenchInterval interval) {
        if (rows.isEmpty()) {
            firstNanos = interval.startNanos();
            startedEpochMs = openedEpochMs + (firstNanos - openedNanos) / 1_000_000;
            try {
                log.header(startedEpochMs, openLoop);
            } catch (IOException e) {
                logFailure = e;
            }
        }
        final double start = (interval.startNanos() - firstNanos) / 1e9;
        final double end = (interval.endNanos() - firstNanos) / 1e9;
        final double seconds = Math.max(1e-9, interval.seconds());
        final boolean measured = interval.measured();
        if (measured && logFailure == null) {
            try {
                log.write(start, end, interval.latencyMicros(), interval.actualLatencyMicros());
            } catch (IOException e) {
                logFailure = e;
            }
        }
        rows.add(new Row(interval.phase(), start, end, interval.sessions(), interval.connects() / seconds,
            measured ? interval.latencyMicros().getTotalCount() / seconds : Double.NaN,
            LatencySummary.of(interval.latencyMicros()), LatencySummary.of(interval.actualLatencyMicros()),
            LatencySummary.of(interval.sendLagMicros()), sampleServer()));
    }

    /** The server's counters since the last interval, as rates. */
    private ServerRow sampleServer() {
        if (server == null || lastSample == null) {
            return ServerRow.NONE;
        }
        final ServerCounters.Sample now = server.sample();
        if (now == null) {
            return ServerRow.NONE;
        }
        final double seconds = Math.max(1e-9, (now.nanoTime() - lastSample.nanoTime()) / 1e9);
        final ServerRow row = new ServerRow(now.connectionsOpen(), now.sessionsActive(),
            (now.requests() - lastSample.requests()) / seconds, (now.pushes() - lastSample.pushes()) / seconds);
        lastSample = now;
        return row;
    }

    List<Row> rows() {
        return rows;
    }

    /** The measured intervals only: those the progress lines printed. */
    List<Row> measuredRows() {
        return rows.stream().filter(r -> r.phase() == BenchInterval.Phase.MEASURING).toList();
    }

    /** When {@code phase} began and ended, in seconds since the first connect; empty when it took no time. */
    double[] span(BenchInterval.Phase phase) {
        final double[] span = {Double.NaN, Double.NaN};
        for (Row r : rows) {
            if (r.phase() == phase) {
                span[0] = Double.isNaN(span[0]) ? r.start() : span[0];
                span[1] = r.end();
            }
        }
        return Double.isNaN(span[0]) ? new double[0] : span;
    }

    boolean openLoop() {
        return openLoop;
    }

    /** When the first connect began (the run's time 0). */
    Instant startedAt() {
        return Instant.ofEpochMilli(startedEpochMs);
    }

    /** Seconds from the first connect to the end of the last interval. */
    double seconds() {
        return rows.isEmpty() ? 0 : rows.get(rows.size() - 1).end();
    }

    /** Where the server's counters came from ("stat file PATH of pid N"), or null without them. */
    String serverSource() {
        return server == null ? null : "stat file " + server.file() + " (pid " + server.pid() + ")";
    }

    /** Why the server's counters are missing, or stopped: null while there is nothing to say. */
    String serverNote() {
        if (server != null && server.gone() != null) {
            return "The server stopped answering during the run: " + server.gone() + ".";
        }
        return serverNote;
    }

    /** latency.hlog could not be written (the disk filled, say): the run's report must say so, not hide it. */
    void checkLog() throws IOException {
        if (logFailure != null) {
            throw logFailure;
        }
    }

    @Override
    public void close() {
        log.close();
    }
}
