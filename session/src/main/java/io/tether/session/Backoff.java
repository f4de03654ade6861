package io.tether.session;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * How long a client waits before its next reconnect attempt: exponential backoff with full jitter,
 * {@code delay = random(0, min(cap, base * 2^attempt))}, within a retry budget.
 * <p>
 * Full jitter (rather than a fixed exponential delay) matters when a server restarts and its
 * 100k clients all lose their connection at the same instant: each picks a uniformly random point
 * in the window, so the reconnects arrive spread across it instead of as one synchronized wave per
 * attempt. (See "Exponential Backoff And Jitter", AWS Architecture Blog, 2015.)
 * <p>
 * Not thread-safe: owned by the client's connection loop. Call {@link #reset()} after a connect
 * succeeds, so the next outage starts again from {@code base}.
 */
public final class Backoff {

    public static final Duration DEFAULT_BASE = Duration.ofMillis(100);
    public static final Duration DEFAULT_CAP = Duration.ofSeconds(5);
    /** A retry budget that is never spent. */
    public static final int UNLIMITED = -1;

    private final long baseNanos;
    private final long capNanos;
    private final int maxRetries;
    private final RandomGenerator random;
    private int attempt;

    /** 100 ms base, 5 s cap, unlimited retries, a fresh random source. */
    public Backoff() {
        this(DEFAULT_BASE, DEFAULT_CAP, UNLIMITED, new SplittableRandom());
    }

    /**
     * @param base       the ceiling of the first delay
     * @param cap        the largest ceiling any delay gets
     * @param maxRetries how many delays to hand out before giving up, or {@link #UNLIMITED}
     * @param random     the jitter source; a seeded one makes delays reproducible
     */
    public Backoff(final Duration base, final Duration cap, final int maxRetries, final RandomGenerator random) {
        if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("need 0 < base <= cap, got base=" + base + " cap=" + cap);
        }
        if (maxRetries < 0 && maxRetries != UNLIMITED) {
            throw new IllegalArgumentException("maxRetries must be >= 0 or UNLIMITED: " + maxRetries);
        }
        this.baseNanos = base.toNanos();
        this.capNanos = Math.min(cap.toNanos(), Long.MAX_VALUE - 1);
        this.maxRetries = maxRetries;
        this.random = Objects.requireNonNull(random, "random");
    }

    /** The delay before the next attempt, or empty when the retry budget is spent. */
    public Optional<Duration> nextDelay() {
        if (maxRetries != UNLIMITED && attempt >= maxRetries) {
            return Optional.empty();
        }
        final long ceiling = ceilingNanos(attempt);
        if (attempt < Integer.MAX_VALUE) {
            attempt++;
        }
        return Optional.of(Duration.ofNanos(random.nextLong(ceiling + 1)));
    }

    /** Starts over from {@code base} with the whole budget, after a successful connect. */
    public void reset() {
        attempt = 0;
    }

    /** How many delays were handed out since the last {@link #reset()}. */
    public int attempts() {
        return attempt;
    }

    /** The upper bound of the delay for attempt {@code n} (counted from 0): {@code min(cap, base * 2^n)}. */
    long ceilingNanos(final int n) {
        // base * 2^n overflows a long long before n reaches 63; past the cap it no longer matters.
        if (n >= Long.numberOfLeadingZeros(baseNanos) - 1) {
            return capNanos;
        }
        return Math.min(capNanos, baseNanos << n);
    }
}
