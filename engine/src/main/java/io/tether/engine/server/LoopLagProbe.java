package io.tether.engine.server;

import io.tether.engine.reactor.EventLoop;
import io.tether.telemetry.CounterSet;
import io.tether.telemetry.Latency;

/**
 * Measures a loop's lag as Node's {@code monitorEventLoopDelay} does: an agent due every 20 ms records how late the
 * loop ran it. A loop busy with reads, or blocked where it should not be, runs it late by as much. Work due within a
 * millisecond counts as due: the selector waits whole milliseconds, and the loop should sleep, not spin, until then.
 */
final class LoopLagProbe implements EventLoop.Agent {
    static final long PERIOD_NANOS = 20_000_000;
    private static final long EARLY_NANOS = 1_000_000;

    private final CounterSet counters;
    private long deadline;

    LoopLagProbe(CounterSet counters, long nowNanos) {
        this.counters = counters;
        this.deadline = nowNanos + PERIOD_NANOS;
    }

    @Override
    public int doWork(long nowNanos) {
        if (nowNanos - deadline < -EARLY_NANOS) {
            return 0;
        }
        counters.record(Latency.LOOP_LAG, nowNanos - deadline);
        deadline = nowNanos + PERIOD_NANOS;
        return 0; // not work: the loop may sleep until the next deadline
    }

    @Override
    public long nextDeadlineNanos() {
        return deadline;
    }
}
