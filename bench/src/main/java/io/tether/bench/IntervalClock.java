package io.tether.bench;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * Cuts a bench run into intervals of about a second, from its first connect to its end, and hands each to a
 * listener (the report). The measured phase is cut where the progress lines are, with the histograms they took;
 * connecting and warming up are cut once a second and at their ends, with sessions and connects only.
 */
final class IntervalClock {
    static final long TICK_NANOS = 1_000_000_000L;

    /** Waits at most the given nanoseconds (parking, or on a latch). */
    interface Wait {
        void upTo(long nanos) throws InterruptedException;
    }

    private final Consumer<BenchInterval> listener;
    private final LongSupplier sessions;
    private final LongSupplier connects;
    private long start;
    private long connectsAtStart;

    IntervalClock(Consumer<BenchInterval> listener, LongSupplier sessions, LongSupplier connects) {
        this.listener = listener;
        this.sessions = sessions;
        this.connects = connects;
    }

    /** The run starts: the first interval begins {@code now}. */
    void begin(long now) {
        start = now;
        connectsAtStart = connects.getAsLong();
    }

    /** Ends the current interval {@code now} (an empty one is dropped) and begins the next. */
    void end(BenchInterval.Phase phase, long now, Histogram latency, Histogram actualLatency, Histogram sendLag) {
        final long c = connects.getAsLong();
        if (now > start) {
            listener.accept(new BenchInterval(phase, start, now, sessions.getAsLong(), c - connectsAtStart, latency,
                actualLatency, sendLag));
        }
        start = now;
        connectsAtStart = c;
    }

    /**
     * Waits until {@code until} or until {@code done}, ending an interval of {@code phase} each second; the last
     * one stays open for the caller to end where the phase does. A tick due in the last quarter second before
     * {@code until} is left out: one longer last interval reads better than a sliver, whose rates are noise.
     */
    void await(BenchInterval.Phase phase, long until, BooleanSupplier done, Wait wait) throws InterruptedException {
        long tick = start + TICK_NANOS;
        for (long now = System.nanoTime(); now < until && !done.getAsBoolean(); now = System.nanoTime()) {
            if (tick > until - TICK_NANOS / 4) {
                tick = until;
            }
            if (now >= tick) {
                end(phase, now, null, null, null);
                do {
                    tick += TICK_NANOS;
                } while (tick <= now);
            } else {
                wait.upTo(Math.min(until, tick) - now);
            }
        }
    }
}
