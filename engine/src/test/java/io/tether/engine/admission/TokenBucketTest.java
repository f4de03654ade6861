package io.tether.engine.admission;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The bucket on a fake clock: the burst at once, then the configured rate, sustained. */
class TokenBucketTest {
    private static final long MS = 1_000_000L;
    private static final long START = -5_000_000_000L; // nanoTime may be negative

    @Test
    void shouldPassTheBurstAtOnceThenNothingUntilATokenComesBack() {
        final TokenBucket bucket = new TokenBucket(10, 25, START);
        int taken = 0;
        while (bucket.tryTake(START)) {
            taken++;
        }
        assertThat(taken).isEqualTo(25);
        assertThat(bucket.nanosUntilToken(START)).isEqualTo(100 * MS);
        assertThat(bucket.tryTake(START + 99 * MS)).isFalse();
        assertThat(bucket.tryTake(START + 100 * MS)).isTrue();
        assertThat(bucket.tryTake(START + 100 * MS)).isFalse();
    }

    @Test
    void shouldSustainTheConfiguredRateNotOneBurstPerSecond() {
        // The pitfall: a bucket of N refilled at 1/s sustains 1/s. Here rate 2000/s, burst 4000, driven for 10 s
        // by a caller that tries every 100 us: the burst once, then 2000 per second.
        final TokenBucket bucket = new TokenBucket(2000, 4000, START);
        long taken = 0;
        final long[] perSecond = new long[10];
        for (long t = 0; t < 10_000 * MS; t += MS / 10) {
            while (bucket.tryTake(START + t)) {
                taken++;
                perSecond[(int) (t / (1000 * MS))]++;
            }
        }
        assertThat(taken).isBetween(4000L + 20_000 - 1, 4000L + 20_000 + 1);
        for (int s = 1; s < 10; s++) {
            assertThat(perSecond[s]).as("second %d", s).isBetween(1999L, 2001L);
        }
    }

    @Test
    void shouldSustainAFractionalRate() {
        final TokenBucket bucket = new TokenBucket(0.5, 1, START);
        int taken = 0;
        for (long t = 0; t <= 60_000 * MS; t += 10 * MS) {
            if (bucket.tryTake(START + t)) {
                taken++;
            }
        }
        assertThat(taken).isEqualTo(31); // at 0 s, then every 2 s
    }

    @Test
    void shouldRefillToTheBurstOnlyAndNoFurther() {
        final TokenBucket bucket = new TokenBucket(100, 5, START);
        final long later = START + 3_600_000 * MS; // an hour idle: still only the burst
        int taken = 0;
        while (bucket.tryTake(later)) {
            taken++;
        }
        assertThat(taken).isEqualTo(5);
        assertThat(bucket.isFull(later)).isFalse();
        assertThat(bucket.isFull(later + 50 * MS)).isTrue();
    }

    @Test
    void shouldTakeANewRateAtOnceKeepingWhatWasTaken() {
        final TokenBucket bucket = new TokenBucket(10, 10, START);
        while (bucket.tryTake(START)) {
            // empty it
        }
        bucket.configure(1000, 1000);
        // What was taken is 10 tokens' worth at the old rate (1 s); at the new rate one comes back every 1 ms.
        int taken = 0;
        for (long t = 0; t < 2000 * MS; t += MS) {
            while (bucket.tryTake(START + t)) {
                taken++;
            }
        }
        assertThat(taken).isBetween(1990, 2000);
    }
}
