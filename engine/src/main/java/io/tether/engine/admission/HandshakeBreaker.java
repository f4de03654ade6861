package io.tether.engine.admission;

import java.util.concurrent.locks.ReentrantLock;

/**
 * A circuit breaker on handshake health (one per listener). While <b>closed</b> it counts handshakes that completed
 * and handshakes that failed (a failed or stalled TLS handshake, a refused WebSocket upgrade, no Hello in time, a
 * connection gone before its Welcome) over a sliding window of {@code breaker-window}, in ten buckets. When at
 * least {@code breaker-min-handshakes} were seen and the failed share reaches {@code breaker-failure-ratio}, it
 * <b>opens</b>: new connections are refused for {@code breaker-open-time}. Then it is <b>half-open</b>: up to
 * {@code breaker-probes} connections are let through as probes, each with {@code breaker-probe-timeout} to complete
 * its handshake. All of them completing closes it; one failing, or not finishing in time, opens it again. A probe
 * that never finishes cannot hold it half-open: its deadline passes and counts as a failure.
 *
 * <p>Times are {@code System.nanoTime} values passed in, so a test drives it with a fake clock. Passes are taken on
 * the accept loop and outcomes reported from any loop, so the state is guarded by a lock held only to count.
 */
public final class HandshakeBreaker {
    private static final int BUCKETS = 10;

    public enum State { CLOSED, OPEN, HALF_OPEN }

    /** What {@link #tryPass} hands out: {@link #NORMAL} while closed, a probe while half-open. */
    public static final class Pass {
        final long generation;
        final long deadline;
        /** The probe's place in its half-open period. */
        final int index;

        Pass(long generation, long deadline, int index) {
            this.generation = generation;
            this.deadline = deadline;
            this.index = index;
        }

        public boolean probe() {
            return this != NORMAL;
        }
    }

    /** The pass of a connection admitted while the breaker is closed. */
    public static final Pass NORMAL = new Pass(-1, Long.MAX_VALUE, -1);

    private final ReentrantLock lock = new ReentrantLock();
    private final int[] completed = new int[BUCKETS];
    private final int[] failed = new int[BUCKETS];
    /** The start of the bucket {@code bucket} points at. */
    private long bucketStart;
    private int bucket;
    private State state = State.CLOSED;
    private long openUntil;
    /** Counts half-open periods, so a probe's outcome from an earlier one is ignored. */
    private long generation;
    private int probesIssued;
    private int probesCompleted;
    /** Deadlines of the probes of this half-open period not yet finished. */
    private long[] probeDeadlines = new long[0];
    private int opened;

    /** Run (under the lock, so keep it to a counter) each time the breaker opens. */
    private final Runnable onOpen;

    public HandshakeBreaker(long nowNanos, Runnable onOpen) {
        this.bucketStart = nowNanos;
        this.onOpen = onOpen;
    }

    /**
     * Whether a new connection may go on at {@code nowNanos}: null when the breaker refuses it; otherwise the pass
     * to report its outcome with.
     */
    public Pass tryPass(long nowNanos, AdmissionSettings s) {
        if (s.breakerFailureRatio() <= 0) {
            return NORMAL;
        }
        lock.lock();
        try {
            expireProbes(nowNanos, s);
            switch (state) {
                case CLOSED -> {
                    return NORMAL;
                }
                case OPEN -> {
                    if (nowNanos - openUntil < 0) {
                        return null;
                    }
                    state = State.HALF_OPEN;
                    generation++;
                    probesIssued = 0;
                    probesCompleted = 0;
                    probeDeadlines = new long[s.breakerProbes()];
                }
                case HALF_OPEN -> {
                }
            }
            if (probesIssued >= probeDeadlines.length) {
                return null;
            }
            final long deadline = nowNanos + s.breakerProbeTimeout().toNanos();
            probeDeadlines[probesIssued] = deadline;
            return new Pass(generation, deadline, probesIssued++);
        } finally {
            lock.unlock();
        }
    }

    /** The handshake of a connection let through with {@code pass} completed ({@code ok}) or failed. */
    public void outcome(Pass pass, boolean ok, long nowNanos, AdmissionSettings s) {
        if (s.breakerFailureRatio() <= 0) {
            return;
        }
        lock.lock();
        try {
            if (pass.probe()) {
                probeOutcome(pass, ok, nowNanos, s);
                return;
            }
            if (state != State.CLOSED) {
                return; // a connection from before the breaker opened: its outcome says nothing of now
            }
            roll(nowNanos, s);
            if (ok) {
                completed[bucket]++;
                return;
            }
            failed[bucket]++;
            int all = 0;
            int bad = 0;
            for (int i = 0; i < BUCKETS; i++) {
                all += completed[i] + failed[i];
                bad += failed[i];
            }
            if (all >= s.breakerMinHandshakes() && bad >= s.breakerFailureRatio() * all) {
                open(nowNanos, s);
            }
        } finally {
            lock.unlock();
        }
    }

    private void probeOutcome(Pass pass, boolean ok, long nowNanos, AdmissionSettings s) {
        if (state != State.HALF_OPEN || pass.generation != generation) {
            return;
        }
        if (!ok || nowNanos - pass.deadline > 0) {
            open(nowNanos, s);
            return;
        }
        if (probeDeadlines[pass.index] == Long.MIN_VALUE) {
            return; // reported already
        }
        probeDeadlines[pass.index] = Long.MIN_VALUE; // finished
        if (++probesCompleted >= probeDeadlines.length) {
            state = State.CLOSED;
            clearWindow(nowNanos);
        }
    }

    /** A probe past its deadline counts as failed, so half-open never waits for good on one that never ends. */
    private void expireProbes(long nowNanos, AdmissionSettings s) {
        if (state != State.HALF_OPEN) {
            return;
        }
        for (int i = 0; i < probesIssued; i++) {
            final long d = probeDeadlines[i];
            if (d != Long.MIN_VALUE && nowNanos - d > 0) {
                open(nowNanos, s);
                return;
            }
        }
    }

    private void open(long nowNanos, AdmissionSettings s) {
        state = State.OPEN;
        openUntil = nowNanos + s.breakerOpenTime().toNanos();
        opened++;
        clearWindow(nowNanos);
        onOpen.run();
    }

    private void clearWindow(long nowNanos) {
        java.util.Arrays.fill(completed, 0);
        java.util.Arrays.fill(failed, 0);
        bucketStart = nowNanos;
    }

    /** Moves the window on to {@code nowNanos}, clearing the buckets it left behind. */
    private void roll(long nowNanos, AdmissionSettings s) {
        final long width = Math.max(1, s.breakerWindow().toNanos() / BUCKETS);
        long behind = (nowNanos - bucketStart) / width;
        if (behind <= 0) {
            return;
        }
        if (behind >= BUCKETS) {
            clearWindow(nowNanos);
            return;
        }
        for (long i = 0; i < behind; i++) {
            bucket = (bucket + 1) % BUCKETS;
            completed[bucket] = 0;
            failed[bucket] = 0;
        }
        bucketStart += behind * width;
    }

    public State state(long nowNanos, AdmissionSettings s) {
        lock.lock();
        try {
            expireProbes(nowNanos, s);
            return state == State.OPEN && nowNanos - openUntil >= 0 ? State.HALF_OPEN : state;
        } finally {
            lock.unlock();
        }
    }

    /** Times it opened so far. */
    public int timesOpened() {
        lock.lock();
        try {
            return opened;
        } finally {
            lock.unlock();
        }
    }
}
