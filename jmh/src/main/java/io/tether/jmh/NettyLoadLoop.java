package io.tether.jmh;

import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * What {@link NettyLoadClient} keeps per Netty event loop: the sessions it serves, their latencies and counts (so no
 * two threads share a histogram or a counter), and in open loop its share of the send schedule. Everything here is
 * touched by its loop's thread only; the main thread reaches it through tasks on that loop.
 */
final class NettyLoadLoop implements Runnable {
    /** Latencies up to a minute, in microseconds, three significant digits. */
    static final long MAX_MICROS = TimeUnit.MINUTES.toMicros(1);
    /** Sent in one pacer pass at most, so a loop that fell behind still reads between passes. */
    private static final int MAX_PER_PASS = 4096;

    final EventLoop executor;
    private final NettyLoadClient.Tally tally;
    private final List<NettyLoadSession> sessions = new ArrayList<>();
    private final Histogram latency = new Histogram(MAX_MICROS, 3);
    private final Histogram sendLag = new Histogram(MAX_MICROS, 3);
    private boolean running = true;
    private boolean measuring;
    private long responses;
    private long sent;
    private long errors;
    private long mismatches;
    // Open loop: request k of the run goes to session k % n at start + k * intervalNanos.
    private NettyLoadSession[] paced;
    private final List<NettyLoadSession> written = new ArrayList<>();
    private long start;
    private double intervalNanos;
    private int n;
    private long round;
    private int next;

    NettyLoadLoop(EventLoop executor, NettyLoadClient.Tally tally) {
        this.executor = executor;
        this.tally = tally;
    }

    /** Before the loop's sessions connect (main thread; the loop reads the list only in later tasks). */
    void add(NettyLoadSession s) {
        sessions.add(s);
    }

    boolean running() {
        return running;
    }

    void welcomed() {
        tally.welcomed();
    }

    void refused(String reason) {
        tally.refused(reason);
    }

    void lost(String reason) {
        tally.lost(reason);
    }

    void answered(long nanos) {
        if (measuring) {
            responses++;
            latency.recordValue(micros(nanos));
        }
    }

    void sent() {
        if (measuring) {
            sent++;
        }
    }

    void error() {
        errors++;
    }

    void mismatch() {
        mismatches++;
    }

    private static long micros(long nanos) {
        return Math.max(0, Math.min(MAX_MICROS, nanos / 1_000));
    }

    /** The measured window opens: what the warm-up recorded is dropped (errors and mismatches count throughout). */
    void beginMeasuring() {
        latency.reset();
        sendLag.reset();
        responses = 0;
        sent = 0;
        measuring = true;
    }

    /** The measured window closes and sending stops: what it recorded. */
    Window endMeasuring() {
        measuring = false;
        running = false;
        return new Window(latency.copy(), sendLag.copy(), responses, sent, errors, mismatches);
    }

    record Window(Histogram latency, Histogram sendLag, long responses, long sent, long errors, long mismatches) {
    }

    /** Every session says Goodbye and closes; their close futures. */
    List<ChannelFuture> leave() {
        final List<ChannelFuture> closed = new ArrayList<>();
        for (NettyLoadSession s : sessions) {
            final ChannelFuture f = s.leave();
            if (f != null) {
                closed.add(f);
            }
        }
        return closed;
    }

    /** Open loop: starts this loop's share of the schedule of {@code rate} requests/s over {@code n} sessions. */
    void startPacing(long startNanos, long rate, int sessionCount) {
        if (sessions.isEmpty()) {
            return;
        }
        paced = sessions.stream().sorted(Comparator.comparingInt(s -> s.slot)).toArray(NettyLoadSession[]::new);
        start = startNanos;
        intervalNanos = 1e9 / rate;
        n = sessionCount;
        executor.execute(this);
    }

    private long due() {
        return start + (long) ((round * n + paced[next].slot) * intervalNanos);
    }

    /**
     * The pacer's tick: writes every request due by now, each timed from its intended send time, flushes each
     * session written to once, and schedules itself for the next due time.
     */
    @Override
    public void run() {
        if (!running) {
            return;
        }
        final long now = System.nanoTime();
        long due = due();
        int passed = 0;
        for (; due <= now && passed < MAX_PER_PASS; passed++) {
            final NettyLoadSession s = paced[next];
            if (s.send(due)) {
                if (measuring) {
                    sendLag.recordValue(micros(now - due));
                }
                written.add(s);
            }
            if (++next == paced.length) {
                next = 0;
                round++;
            }
            due = due();
        }
        for (NettyLoadSession s : written) {
            s.flush(); // a session written to twice in one pass flushes the second time with nothing left: cheap
        }
        written.clear();
        if (passed == MAX_PER_PASS) {
            executor.execute(this);
        } else {
            executor.schedule(this, due - System.nanoTime(), TimeUnit.NANOSECONDS);
        }
    }
}
