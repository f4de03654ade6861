package io.tether.bench;

import org.HdrHistogram.Histogram;

/**
 * About a second of a bench run, as the load generator saw it. {@code sessions} is how many were connected at its
 * end, {@code connects} how many handshakes (Welcomes) completed in it. The latencies (microseconds) are the
 * interval histograms the progress lines print, and null outside {@link Phase#MEASURING}: {@code latencyMicros}
 * from each request's intended send time, {@code actualLatencyMicros} from the moment the request was written
 * (open loop; the same histogram in closed loop, where the two times are one), {@code sendLagMicros} how late
 * requests left (open loop; empty in closed loop).
 */
public record BenchInterval(Phase phase, long startNanos, long endNanos, long sessions, long connects,
                            Histogram latencyMicros, Histogram actualLatencyMicros, Histogram sendLagMicros) {
    /** The parts of a run, in order. Only {@link #MEASURING} is timed. */
    public enum Phase {
        CONNECTING, WARMING_UP, MEASURING
    }

    public double seconds() {
        return (endNanos - startNanos) / 1e9;
    }

    public boolean measured() {
        return phase == Phase.MEASURING;
    }
}
