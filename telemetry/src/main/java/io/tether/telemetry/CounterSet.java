package io.tether.telemetry;

import org.agrona.concurrent.status.AtomicCounter;

/**
 * One writer's counters and latency recorders. {@link #add} is the single-writer path; {@link #addShared} is safe
 * from any thread. {@link #record} is wait-free and allocates nothing.
 */
public final class CounterSet {
    private final String owner;
    private final AtomicCounter[] counters;
    private final LatencyRecorder[] latencies;
    /** Whether {@link #record} records (latency-histograms); off leaves the counters alone. */
    private final boolean recording;

    CounterSet(String owner, AtomicCounter[] counters, boolean recording) {
        this.owner = owner;
        this.counters = counters;
        this.recording = recording;
        final Latency[] kinds = Latency.values();
        this.latencies = new LatencyRecorder[kinds.length];
        for (Latency l : kinds) {
            latencies[l.ordinal()] = new LatencyRecorder(l.sharedWriters());
        }
    }

    public String owner() {
        return owner;
    }

    /** Adds from the set's single writer: an ordered store, no atomic instruction. */
    public void add(Metric metric, long delta) {
        counters[metric.ordinal()].getAndAddRelease(delta);
    }

    public void increment(Metric metric) {
        counters[metric.ordinal()].incrementRelease();
    }

    /** Adds from any thread (an atomic add). */
    public void addShared(Metric metric, long delta) {
        counters[metric.ordinal()].getAndAdd(delta);
    }

    public long get(Metric metric) {
        return counters[metric.ordinal()].get();
    }

    /**
     * Records one latency in nanoseconds, from the set's owner (or, for a {@link Latency#sharedWriters()} one, from
     * any thread). Values below 1 ns or above an hour are clamped.
     */
    public void record(Latency latency, long nanos) {
        if (recording) {
            latencies[latency.ordinal()].record(nanos);
        }
    }

    /** Whether latencies are recorded at all: when not, a caller may skip measuring them. */
    public boolean recordsLatencies() {
        return recording;
    }

    LatencyRecorder recorder(Latency latency) {
        return latencies[latency.ordinal()];
    }
}
