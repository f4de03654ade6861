package io.tether.engine.admission;

/**
 * How many connects one source (an address, a client id) made in the last window, for flapping detection: a
 * sliding window estimated from two fixed ones, the current one and the one before it weighted by how much of it
 * the sliding window still covers (the estimate Cloudflare and nginx use: two counters, no list of times). A source
 * counted past its threshold is banned until a given time. Not thread-safe: its table's owner guards it.
 */
final class ConnectWindow {
    private long windowStart;
    private int current;
    private int previous;
    /** Banned until this time (System.nanoTime); not banned when it is not after now. */
    private long bannedUntil;

    ConnectWindow(long nowNanos) {
        this.windowStart = nowNanos;
        this.bannedUntil = nowNanos;
    }

    /** Counts one connect at {@code nowNanos}; returns the connects in the window that ends now, this one included. */
    int count(long nowNanos, long windowNanos) {
        roll(nowNanos, windowNanos);
        if (current < Integer.MAX_VALUE) {
            current++;
        }
        final double covered = 1 - (double) (nowNanos - windowStart) / windowNanos;
        return (int) (previous * covered) + current;
    }

    private void roll(long nowNanos, long windowNanos) {
        final long elapsed = nowNanos - windowStart;
        if (elapsed >= 2 * windowNanos || elapsed < 0) {
            previous = 0;
            current = 0;
            windowStart = nowNanos;
        } else if (elapsed >= windowNanos) {
            previous = current;
            current = 0;
            windowStart += windowNanos;
        }
    }

    void ban(long nowNanos, long banNanos) {
        bannedUntil = nowNanos + banNanos;
    }

    /** Nanoseconds the ban still lasts at {@code nowNanos}; 0 when not banned. */
    long bannedFor(long nowNanos) {
        return Math.max(0, bannedUntil - nowNanos);
    }

    /** Nothing counted in the last two windows and no ban: forgetting this source loses nothing. */
    boolean idle(long nowNanos, long windowNanos) {
        return nowNanos - windowStart >= 2 * windowNanos && bannedFor(nowNanos) == 0;
    }
}
