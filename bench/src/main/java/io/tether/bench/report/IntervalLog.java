package io.tether.bench.report;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

/**
 * {@code latency.hlog}: every measured interval's latency histograms in HdrHistogram's interval log format, which
 * HistogramLogReader, HistogramLogProcessor and HdrHistogram's plotters read. Two tagged histograms an interval:
 * {@code intended} (from the intended send time) and {@code actual} (from the actual send; the same in closed
 * loop). Values are microseconds, so Interval_Max is written in milliseconds; timestamps are seconds since the
 * run's first connect (StartTime and BaseTime give that instant). The scale run's {@link ScaleReport} writes one
 * too, with a histogram for each phase it timed, tagged by the phase.
 */
final class IntervalLog implements AutoCloseable {
    static final String INTENDED = "intended";
    static final String ACTUAL = "actual";

    private final Path file;
    private final PrintStream out;
    private final HistogramLogWriter writer;

    private IntervalLog(Path file, PrintStream out) {
        this.file = file;
        this.out = out;
        this.writer = new HistogramLogWriter(out);
    }

    /** Creates (or empties) {@code file}; the header follows once the run's start is known. */
    static IntervalLog create(Path file) throws IOException {
        final OutputStream stream = new BufferedOutputStream(Files.newOutputStream(file));
        return new IntervalLog(file, new PrintStream(stream, false, StandardCharsets.UTF_8));
    }

    /** The log's header: what it holds, its format version, and the run's start as StartTime and BaseTime. */
    void header(long startEpochMs, boolean openLoop) throws IOException {
        header("[tether bench: latency in microseconds, tagged " + INTENDED + " (from the intended "
            + "send time) and " + ACTUAL + " (from the actual send)" + (openLoop ? "]"
            : "; closed loop: each request is sent when intended, so the two are the same]"), startEpochMs);
    }

    /** A header that says what the log holds in {@code comment}, with its format version, StartTime and BaseTime. */
    void header(String comment, long startEpochMs) throws IOException {
        writer.outputComment(comment);
        writer.outputLogFormatVersion();
        writer.outputStartTime(startEpochMs);
        writer.outputBaseTime(startEpochMs);
        writer.outputLegend();
        flush();
    }

    Path file() {
        return file;
    }

    /** Writes one measured interval, {@code start} to {@code end} seconds since the run began. */
    void write(double start, double end, Histogram intended, Histogram actual) throws IOException {
        output(start, end, intended, INTENDED);
        output(start, end, actual, ACTUAL);
        flush();
    }

    /** Writes one histogram tagged {@code tag}, from {@code start} to {@code end} seconds since the start. */
    void write(double start, double end, Histogram h, String tag) throws IOException {
        output(start, end, h, tag);
        flush();
    }

    private void output(double start, double end, Histogram h, String tag) {
        final String before = h.getTag();
        h.setTag(tag);
        try {
            writer.outputIntervalHistogram(start, end, h, 1000.0);
        } finally {
            h.setTag(before);
        }
    }

    private void flush() throws IOException {
        out.flush();
        if (out.checkError()) {
            throw new IOException("could not write " + file);
        }
    }

    @Override
    public void close() {
        out.close();
    }
}
