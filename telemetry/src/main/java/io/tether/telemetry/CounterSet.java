package io.tether.telemetry;

import org.agrona.concurrent.status.AtomicCounter;

/** One writer's counters. {@link #add} is the single-writer path; {@link #addShared} is safe from any thread. */
public final class CounterSet {
    private final String owner;
    private final AtomicCounter[] counters;

    CounterSet(String owner, AtomicCounter[] counters) {
        this.owner = owner;
        this.counters = counters;
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
}
