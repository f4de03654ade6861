package io.tether.engine.admission;

/**
 * A token bucket with its rate and its burst set apart: {@code burst} tokens may be taken at once from a full
 * bucket, and tokens come back at {@code rate} per second, so over any long stretch at most {@code rate} per second
 * pass (plus the one burst). A bucket whose size is N and whose refill is 1/s is the known pitfall this avoids: its
 * sustained rate is 1/s, not N/s.
 *
 * <p>Kept as the generic cell rate algorithm does: one "theoretical arrival time" instead of a token count, so a
 * take is a comparison and an add, with no division and nothing to refill on a timer. Times are
 * {@code System.nanoTime} values, passed in, so a test drives the bucket with a fake clock. Not thread-safe: each
 * bucket has one owner (the accept loop, or a session's loop).
 */
public final class TokenBucket {
    /** Time one token takes to come back. */
    private long intervalNanos;
    /** How far ahead of now the arrival time may run: the burst, in time. */
    private long toleranceNanos;
    /** When the bucket would be full again if nothing more were taken. */
    private long fullAt;

    /** A full bucket at {@code nowNanos}. {@code rate} is tokens per second (above 0); {@code burst} at least 1. */
    public TokenBucket(double rate, long burst, long nowNanos) {
        configure(rate, burst);
        this.fullAt = nowNanos;
    }

    /** Changes the rate and the burst, keeping what was taken (a live change of the settings). */
    public void configure(double rate, long burst) {
        if (!(rate > 0) || burst < 1) {
            throw new IllegalArgumentException("need rate > 0 and burst >= 1, got rate " + rate + ", burst " + burst);
        }
        this.intervalNanos = Math.max(1, Math.round(1e9 / rate));
        this.toleranceNanos = Math.multiplyHigh(intervalNanos, burst) != 0 ? Long.MAX_VALUE / 4
            : Math.min(Long.MAX_VALUE / 4, intervalNanos * burst);
    }

    /** Takes one token if there is one at {@code nowNanos}. */
    public boolean tryTake(long nowNanos) {
        final long next = Math.max(fullAt - nowNanos, 0) + intervalNanos;
        if (next > toleranceNanos) {
            return false;
        }
        fullAt = nowNanos + next;
        return true;
    }

    /** Nanoseconds from {@code nowNanos} until a token is there (0: one is there now). */
    public long nanosUntilToken(long nowNanos) {
        final long next = Math.max(fullAt - nowNanos, 0) + intervalNanos;
        return Math.max(0, next - toleranceNanos);
    }

    /** Whether the bucket is full at {@code nowNanos}: nothing was taken for a whole burst's time. */
    public boolean isFull(long nowNanos) {
        return fullAt - nowNanos <= 0;
    }
}
