package io.tether.engine;

import org.HdrHistogram.Histogram;

/** The outcome of a bench run, measured after the warm-up. Latencies are in microseconds. */
public record BenchResult(long responses, double seconds, long errors, long mismatches, long failedSessions,
                          long connectedSessions, Histogram latencyMicros) {
    public double responsesPerSecond() {
        return seconds > 0 ? responses / seconds : 0;
    }

    public double percentileMicros(double p) {
        return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getValueAtPercentile(p);
    }

    public long maxMicros() {
        return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getMaxValue();
    }
}
