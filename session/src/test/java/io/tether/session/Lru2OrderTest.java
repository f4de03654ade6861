package io.tether.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Lru2OrderTest {

    @Test
    void shouldAlwaysOfferTheSameVictimAsAFullScan() {
        final SplittableRandom random = new SplittableRandom(20240611L);
        final Lru2Order<Integer, Integer> order = new Lru2Order<>();
        final List<CacheEntry<Integer, Integer>> held = new ArrayList<>();
        long now = 0;
        int nextKey = 0;

        for (int step = 0; step < 20_000; step++) {
            final int action = random.nextInt(10);
            if (held.isEmpty() || action < 3) {
                final CacheEntry<Integer, Integer> entry = new CacheEntry<>(nextKey, nextKey++);
                entry.lastAccess = ++now;
                order.add(entry);
                held.add(entry);
            } else if (action < 8) {
                final CacheEntry<Integer, Integer> entry = held.get(random.nextInt(held.size()));
                entry.reference(++now);
                order.accessed(entry);
            } else if (action < 9) {
                order.remove(held.remove(random.nextInt(held.size())));
            } else {
                final CacheEntry<Integer, Integer> victim = order.victim();
                assertThat(victim).isSameAs(scanForVictim(held));
                order.remove(victim);
                held.remove(victim);
            }
            assertThat(order.victim()).isSameAs(scanForVictim(held));
        }
    }

    private static CacheEntry<Integer, Integer> scanForVictim(final List<CacheEntry<Integer, Integer>> held) {
        CacheEntry<Integer, Integer> victim = null;
        for (final CacheEntry<Integer, Integer> entry : held) {
            if (victim == null || rank(entry) < rank(victim)) {
                victim = entry;
            }
        }
        return victim;
    }

    /** Once-used entries rank below all others; then the K-th (2nd) most recent access, or the only one. */
    private static double rank(final CacheEntry<?, ?> entry) {
        return entry.previousAccess == CacheEntry.NEVER ? entry.lastAccess - 1e12 : entry.previousAccess;
    }
}
