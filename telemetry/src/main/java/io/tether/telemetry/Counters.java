package io.tether.telemetry;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * tether's counters, in Agrona counter buffers: lock-free, one writer per counter. Every event loop gets its own
 * {@link CounterSet}; totals are summed on read, so no two threads ever write the same cache line on the hot path.
 * Counters that many threads bump (handler errors from virtual threads) use atomic increments.
 */
public final class Counters {
    private static final int MAX_COUNTERS = 1024;

    private final CountersManager manager;
    private final List<CounterSet> sets = new ArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();

    public Counters() {
        final UnsafeBuffer metadata = new UnsafeBuffer(
            ByteBuffer.allocateDirect(MAX_COUNTERS * CountersManager.METADATA_LENGTH));
        final UnsafeBuffer values = new UnsafeBuffer(
            ByteBuffer.allocateDirect(MAX_COUNTERS * CountersManager.COUNTER_LENGTH));
        this.manager = new CountersManager(metadata, values);
    }

    /** A new set of counters, one per {@link Metric}, for one writer (an event loop) named {@code owner}. */
    public CounterSet newSet(String owner) {
        lock.lock();
        try {
            final Metric[] metrics = Metric.values();
            final AtomicCounter[] counters = new AtomicCounter[metrics.length];
            for (Metric m : metrics) {
                counters[m.ordinal()] = manager.newCounter(m.label() + " " + owner, m.ordinal());
            }
            final CounterSet set = new CounterSet(owner, counters);
            sets.add(set);
            return set;
        } finally {
            lock.unlock();
        }
    }

    /** The sum over every set of one metric. */
    public long total(Metric metric) {
        lock.lock();
        try {
            long sum = 0;
            for (CounterSet set : sets) {
                sum += set.get(metric);
            }
            return sum;
        } finally {
            lock.unlock();
        }
    }

    /** Connections currently open: accepted minus closed. */
    public long openConnections() {
        return total(Metric.CONNECTIONS_ACCEPTED) - total(Metric.CONNECTIONS_CLOSED);
    }

    /** A consistent-enough copy of every total, for a stats line or an export. */
    public Snapshot snapshot() {
        final Metric[] metrics = Metric.values();
        final long[] values = new long[metrics.length];
        for (Metric m : metrics) {
            values[m.ordinal()] = total(m);
        }
        return new Snapshot(System.nanoTime(), values);
    }

    /** Totals at one instant. */
    public record Snapshot(long nanoTime, long[] values) {
        public long get(Metric metric) {
            return values[metric.ordinal()];
        }
    }
}
