package io.tether.bench.report;

import io.tether.bench.BenchInterval;
import io.tether.bench.BenchOptions;
import io.tether.bench.BenchResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * {@code tether bench --report DIR}: a self-contained HTML report of a load generator run ({@value #PAGE}), beside
 * it the per-interval HdrHistogram log ({@value #LOG}) and the summary numbers ({@value #SUMMARY}). Open it before
 * the run, hand {@link #intervals()} to the load generator, and {@link #write} it when the run is done.
 */
public final class BenchReport implements AutoCloseable {
    public static final String PAGE = "index.html";
    public static final String LOG = "latency.hlog";
    public static final String SUMMARY = "summary.json";
    private static final String NO_SERVER = "No server counters: tether bench was not given the server's stat file. "
        + "Run it with --stat-file PATH (the file the server names at startup, by default "
        + "/dev/shm/tether-PID.stat on the server's machine) to plot connections, requests and pushes as the server "
        + "counted them.";

    private final Path dir;
    private final BenchOptions options;
    private final ReportData data;

    private BenchReport(Path dir, BenchOptions options, ReportData data) {
        this.dir = dir;
        this.options = options;
        this.data = data;
    }

    /**
     * Creates {@code dir} if need be and starts the log there; with {@code statFile} (or null) the server's counters
     * are read from it each interval. @throws IOException when {@code dir} cannot be written or {@code statFile} is
     * not a stat file this tether reads
     */
    public static BenchReport open(Path dir, BenchOptions options, Path statFile) throws IOException {
        final ServerCounters server = statFile == null ? null : ServerCounters.open(statFile);
        Files.createDirectories(dir);
        final IntervalLog log = IntervalLog.create(dir.resolve(LOG));
        return new BenchReport(dir, options, new ReportData(log, options.rate() > 0, server,
            server == null ? NO_SERVER : null));
    }

    /** What the load generator hands each interval to. */
    public Consumer<BenchInterval> intervals() {
        return data;
    }

    /** Writes the page and the summary of the finished run; returns the page. */
    public Path write(BenchResult result, RunDescription description) throws IOException {
        data.close();
        data.checkLog();
        Files.writeString(dir.resolve(SUMMARY), SummaryJson.of(options, result, data, description),
            StandardCharsets.UTF_8);
        final Path page = dir.resolve(PAGE);
        Files.writeString(page, HtmlReport.page(options, result, data, description, Machine.current()),
            StandardCharsets.UTF_8);
        return page;
    }

    @Override
    public void close() {
        data.close();
    }
}
