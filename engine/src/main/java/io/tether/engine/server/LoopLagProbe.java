package io.tether.engine.server;

import io.tether.engine.reactor.EventLoop;
import io.tether.telemetry.CounterSet;
import io.tether.telemetry.Latency;

/**
 * Measures a loop's lag as Node's {@code monitorEventLoopDelay} does: an agent due every 20 ms records how late the
 * loop ran it. A loop busy with reads, or blocked where it should not be, runs it late by as much. Work due within a
 * millisecond counts as due: the selector waits whole milliseconds, and the loop should sleep, not spin, until then.
 *
 * <p>Every loop has one: load shedding reads {@link #lagNanos} from the accept loop (the lag last measured, or how
 * overdue the next measurement is, whichever is more: a loop stuck for good shows its lag growing, not its last
 * reading). The lag histogram is recorded only when the counters record latencies.
 */
final class LoopLagProbe implements EventLoop.Agent {
    static final long PERIOD_NANOS = 20_000_000;
    private static final long EARLY_NANOS = 1_000_000;

    private final CounterSet counters;
    private final boolean records;
    private volatile long deadline;
    private volatile long lastLag;

    LoopLagProbe(CounterSet counters, long nowNanos) {
        this.counters = counters;
        this.records = counters.recordsLatencies();
        this.deadline = nowNanos + PERIOD_NANOS;
    }

    @Override
    public int doWork(long nowNanos) {
        final long due = deadline;
        if (nowNanos - due < -EARLY_NANOS) {
            return 0;
        }
        final long lag = Math.max(0, nowNanos - due);
        lastLag = lag;
        if (records) {
            counters.record(Latency.LOOP_LAG, lag);
        }
        deadline = nowNanos + PERIOD_NANOS;
        return 0; // not work: the loop may sleep until the next deadline
    }

    @Override
    public long nextDeadlineNanos() {
        return deadline;
    }

    /** The loop's lag as seen from another thread at {@code nowNanos}. */
    long lagNanos(long nowNanos) {
        return Math.max(lastLag, nowNanos - deadline);
    }
}
