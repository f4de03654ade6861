package io.tether.bench;

import io.tether.engine.reactor.EventLoop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * One loop's share of the open-loop schedule: an agent in that loop's duty cycle. A send due in under 2 ms is
 * waited for by parking the loop thread (its selector cannot wait less than a millisecond), so the thread's
 * timer slack decides how precise sends are; while parked the loop reads nothing, so while answers are awaited
 * it parks at most {@link #POLL_NANOS} at a time: an answer is then read, and timed, at most that late.
 */
final class Pacer implements EventLoop.Agent {
    /** A deadline nearer than this is waited for by parking: the selector cannot wait less than 1 ms. */
    private static final long PARK_BELOW_NANOS = 2_000_000;
    /** Sent in one pass at most, so a loop that fell far behind still reads between passes. */
    private static final int MAX_PER_PASS = 4096;
    private static final long POLL_NANOS = 25_000;
    private final LoadGenerator generator;
    private final EventLoop loop;
    private final int loopIndex;
    private final BenchConnection[] mine;
    private final int n;
    private final long start;
    private final double intervalNanos;
    private final SingleWriterRecorder lag;
    private long round;
    private int next;
    /** When {@link #doWork} has something to do next. */
    private long deadline;

    Pacer(LoadGenerator generator, EventLoop loop, int loopIndex, SingleWriterRecorder lag, BenchConnection[] mine,
          int n, long start, double intervalNanos) {
        this.generator = generator;
        this.loop = loop;
        this.loopIndex = loopIndex;
        this.mine = mine;
        this.n = n;
        this.start = start;
        this.intervalNanos = intervalNanos;
        this.lag = lag;
        this.deadline = start;
    }

    @Override
    public long nextDeadlineNanos() {
        return deadline;
    }

    @Override
    public int doWork(long nowNanos) {
        long now = nowNanos;
        if (now < deadline) {
            if (deadline - now >= PARK_BELOW_NANOS) {
                return 0;
            }
            LockSupport.parkNanos(deadline - now);
            now = System.nanoTime();
        }
        deadline = run(now);
        if (deadline == Long.MAX_VALUE) {
            loop.removeAgent(this);
        }
        return 1;
    }

    /** The intended send time of the request for {@code mine[next]} in the current round. */
    private long due() {
        return start + (long) ((round * n + mine[next].slot) * intervalNanos);
    }

    /**
     * Sends what is due by {@code now}, each request written {@code now} (its send lag, and its latency from the
     * actual send, start there); returns the next deadline, or {@link Long#MAX_VALUE} to stop.
     */
    private long run(long now) {
        if (!generator.sending()) {
            return Long.MAX_VALUE;
        }
        final boolean record = generator.measuring();
        long due = due();
        for (int sent = 0; due <= now && sent < MAX_PER_PASS; sent++) {
            final BenchConnection s = mine[next];
            if (s.established && s.connection() != null) {
                s.send(due, now);
                if (record) {
                    lag.recordValue(Math.max(1, (now - due) / 1_000));
                }
            }
            if (++next == mine.length) {
                next = 0;
                round++;
            }
            due = due();
        }
        return generator.inFlight(loopIndex) > 0 ? Math.min(due, now + POLL_NANOS) : due;
    }

    /**
     * Linux parks a thread up to its timer slack (50 us by default) later than asked; the pacing loop asks for 1 us
     * so its sends leave on time. Best effort: elsewhere, or without /proc, the default stays.
     */
    static void reduceTimerSlack() {
        try {
            final Path self = Files.readSymbolicLink(Path.of("/proc/thread-self"));
            final String tid = self.getFileName().toString();
            Files.writeString(Path.of("/proc", tid, "timerslack_ns"), "1000");
        } catch (IOException | RuntimeException e) {
            // keep the default slack
        }
    }
}
