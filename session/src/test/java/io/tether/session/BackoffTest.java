package io.tether.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private static final Duration BASE = Duration.ofMillis(100);
    private static final Duration CAP = Duration.ofSeconds(5);

    @Test
    void shouldDoubleTheCeilingUpToTheCap() {
        final Backoff backoff = new Backoff(BASE, CAP, Backoff.UNLIMITED, new SplittableRandom(1));

        assertThat(backoff.ceilingNanos(0)).isEqualTo(ms(100));
        assertThat(backoff.ceilingNanos(1)).isEqualTo(ms(200));
        assertThat(backoff.ceilingNanos(5)).isEqualTo(ms(3200));
        assertThat(backoff.ceilingNanos(6)).isEqualTo(ms(5000));
        assertThat(backoff.ceilingNanos(62)).as("no overflow").isEqualTo(ms(5000));
        assertThat(backoff.ceilingNanos(Integer.MAX_VALUE)).isEqualTo(ms(5000));
    }

    @Test
    void shouldKeepEveryDelayWithinZeroAndItsCeiling() {
        final Backoff backoff = new Backoff(BASE, CAP, Backoff.UNLIMITED, new SplittableRandom(7));

        for (int attempt = 0; attempt < 200; attempt++) {
            final long ceiling = backoff.ceilingNanos(attempt);
            assertThat(backoff.nextDelay()).hasValueSatisfying(
                delay -> assertThat(delay.toNanos()).isBetween(0L, ceiling));
        }
        assertThat(backoff.attempts()).isEqualTo(200);
    }

    @Test
    void shouldStopWhenTheRetryBudgetIsSpentAndStartOverAfterReset() {
        final Backoff backoff = new Backoff(BASE, CAP, 3, new SplittableRandom(3));

        assertThat(backoff.nextDelay()).isPresent();
        assertThat(backoff.nextDelay()).isPresent();
        assertThat(backoff.nextDelay()).isPresent();
        assertThat(backoff.nextDelay()).isEmpty();
        assertThat(backoff.nextDelay()).isEmpty();

        backoff.reset();
        assertThat(backoff.attempts()).isZero();
        assertThat(backoff.nextDelay()).hasValueSatisfying(
            delay -> assertThat(delay).isLessThanOrEqualTo(BASE));
    }

    @Test
    void shouldNeverRetryWithAZeroBudget() {
        assertThat(new Backoff(BASE, CAP, 0, new SplittableRandom()).nextDelay()).isEmpty();
    }

    @Test
    void shouldDefaultToHundredMillisecondsFiveSecondsAndUnlimited() {
        final Backoff backoff = new Backoff();

        assertThat(backoff.ceilingNanos(0)).isEqualTo(ms(100));
        assertThat(backoff.ceilingNanos(100)).isEqualTo(ms(5000));
        for (int i = 0; i < 1000; i++) {
            assertThat(backoff.nextDelay()).isPresent();
        }
    }

    @Test
    void shouldSpreadTheReconnectsOfManyClientsAcrossTheWindow() {
        // 10,000 clients lose the server at once; each computes its 6th delay (ceiling 3.2 s).
        final int clients = 10_000;
        final int buckets = 10;
        final long ceiling = ms(3200);
        final int[] perBucket = new int[buckets];
        final Random seeds = new Random(42);
        for (int client = 0; client < clients; client++) {
            final Backoff backoff = new Backoff(BASE, CAP, Backoff.UNLIMITED, new SplittableRandom(seeds.nextLong()));
            long delay = 0;
            for (int attempt = 0; attempt <= 5; attempt++) {
                delay = backoff.nextDelay().orElseThrow().toNanos();
            }
            perBucket[(int) Math.min(buckets - 1, delay * buckets / ceiling)]++;
        }

        // Uniform: every tenth of the window gets about a tenth of the clients, none a spike.
        for (int bucket = 0; bucket < buckets; bucket++) {
            assertThat(perBucket[bucket]).as("clients reconnecting in tenth %d", bucket).isBetween(900, 1100);
        }
    }

    @Test
    void shouldGiveDifferentClientsDifferentDelaysForTheSameAttempt() {
        final Backoff first = new Backoff(BASE, CAP, Backoff.UNLIMITED, new SplittableRandom(1));
        final Backoff second = new Backoff(BASE, CAP, Backoff.UNLIMITED, new SplittableRandom(2));

        assertThat(first.nextDelay()).isNotEqualTo(second.nextDelay());
    }

    @Test
    void shouldRejectInvalidSettings() {
        final SplittableRandom random = new SplittableRandom();
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, CAP, 1, random)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(CAP, BASE, 1, random)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(BASE, CAP, -2, random)).isInstanceOf(IllegalArgumentException.class);
    }

    private static long ms(final long millis) {
        return Duration.ofMillis(millis).toNanos();
    }
}
