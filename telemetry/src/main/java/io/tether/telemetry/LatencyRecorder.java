package io.tether.telemetry;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * One writer's recorder of one {@link Latency}: HdrHistogram's wait-free {@code SingleWriterRecorder}, or its
 * multi-writer {@code Recorder} when other threads record too. Two significant digits (1 % error) keep each of its
 * two histograms at about 36 KB over 1 ns to one hour.
 */
final class LatencyRecorder {
    static final int DIGITS = 2;

    private final SingleWriterRecorder single;
    private final Recorder shared;

    LatencyRecorder(boolean sharedWriters) {
        this.single = sharedWriters ? null : new SingleWriterRecorder(1, Latency.HIGHEST_NANOS, DIGITS);
        this.shared = sharedWriters ? new Recorder(1, Latency.HIGHEST_NANOS, DIGITS) : null;
    }

    void record(long nanos) {
        final long v = nanos < 1 ? 1 : Math.min(nanos, Latency.HIGHEST_NANOS);
        if (single != null) {
            single.recordValue(v);
        } else {
            shared.recordValue(v);
        }
    }

    /** Moves what was recorded since the last call into {@code target} (the reader's side; any one thread). */
    void drainInto(Histogram target) {
        if (single != null) {
            single.getIntervalHistogramInto(target);
        } else {
            shared.getIntervalHistogramInto(target);
        }
    }

    static Histogram newHistogram() {
        return new Histogram(1, Latency.HIGHEST_NANOS, DIGITS);
    }
}
