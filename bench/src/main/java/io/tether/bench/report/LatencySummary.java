package io.tether.bench.report;

import org.HdrHistogram.Histogram;

/** A latency histogram's count and the percentiles the report shows, in microseconds; NaN when it is empty. */
record LatencySummary(long count, double mean, double p50, double p90, double p99, double p999, double p9999,
                      double max) {
    static final LatencySummary NONE = new LatencySummary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
        Double.NaN, Double.NaN, Double.NaN);

    static LatencySummary of(Histogram h) {
        if (h == null || h.getTotalCount() == 0) {
            return NONE;
        }
        return new LatencySummary(h.getTotalCount(), h.getMean(), h.getValueAtPercentile(50),
            h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9),
            h.getValueAtPercentile(99.99), h.getMaxValue());
    }
}
