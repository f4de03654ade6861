package io.tether.bench;

import org.HdrHistogram.Histogram;

/**
 * The outcome of a bench run, measured after the warm-up. Latencies are in microseconds, {@code latencyMicros}
 * from each request's intended send time. {@code sendLagMicros} (open loop only, else empty) is how late each
 * request left after its intended send time: the load generator's own share of the latency.
 * {@code actualLatencyMicros} is the latency from the moment each request was written, which is what a generator
 * that waits for its own late sends would report (coordinated omission); in closed loop it is
 * {@code latencyMicros} itself.
 */
public record BenchResult(long responses, double seconds, long errors, long mismatches, long failedSessions,
                          long connectedSessions, Histogram latencyMicros, Histogram sendLagMicros,
                          Histogram actualLatencyMicros) {
    public double responsesPerSecond() {
        return seconds > 0 ? responses / seconds : 0;
    }

    public double percentileMicros(double p) {
        return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getValueAtPercentile(p);
    }

    public long maxMicros() {
        return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getMaxValue();
    }

    public double sendLagPercentileMicros(double p) {
        return sendLagMicros.getTotalCount() == 0 ? 0 : sendLagMicros.getValueAtPercentile(p);
    }

    /** Requests sent while measuring (open loop). */
    public long sent() {
        return sendLagMicros.getTotalCount();
    }
}
