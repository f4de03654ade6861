package io.tether.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * Replays one access trace against LRU-2 and plain LRU: a hot set of sessions that keep coming back,
 * interrupted by scans of sessions seen once (a reconnect storm of clients that never return).
 */
class ContextCacheTraceTest {

    private static final int ENTRY_BYTES = 1024;
    private static final int CAPACITY_ENTRIES = 200;
    private static final int HOT_KEYS = 150;
    private static final int HOT_ACCESSES_PER_ROUND = 600;
    private static final int SCAN_KEYS_PER_ROUND = 300;
    private static final int ROUNDS = 100;

    @Test
    void shouldKeepTheHotSetThroughScansWhereLruLosesIt() {
        final double lru2 = hitRate(ContextCache.lru2(
            (long) CAPACITY_ENTRIES * ENTRY_BYTES, value -> ENTRY_BYTES, new Ticks(), (key, value) -> { }));
        final double lru = hitRate(ContextCache.lru(
            (long) CAPACITY_ENTRIES * ENTRY_BYTES, value -> ENTRY_BYTES, new Ticks(), (key, value) -> { }));

        // 600 of every 900 accesses go to the hot set. LRU-2 keeps it: every hot access after the
        // first round hits. LRU: each scan of 300 flushes the 200-entry cache, so every hot key
        // misses once per round.
        assertThat(lru2).as("LRU-2 hit rate").isBetween(0.66, 0.667);
        assertThat(lru).as("LRU hit rate").isBetween(0.49, 0.51);
    }

    @Test
    void shouldMatchLruWithoutScans() {
        final ContextCache<Long, Object> lru2 = ContextCache.lru2(
            (long) CAPACITY_ENTRIES * ENTRY_BYTES, value -> ENTRY_BYTES, new Ticks(), (key, value) -> { });
        final ContextCache<Long, Object> lru = ContextCache.lru(
            (long) CAPACITY_ENTRIES * ENTRY_BYTES, value -> ENTRY_BYTES, new Ticks(), (key, value) -> { });

        for (final ContextCache<Long, Object> cache : List.of(lru2, lru)) {
            final SplittableRandom random = new SplittableRandom(5);
            for (int i = 0; i < 50_000; i++) {
                access(cache, random.nextLong(HOT_KEYS));
            }
        }

        assertThat(lru2.hits()).as("the hot set fits: both miss only once per key").isEqualTo(lru.hits());
        assertThat(lru2.misses()).isEqualTo(HOT_KEYS);
        assertThat(lru.evictions()).isZero();
    }

    private static double hitRate(final ContextCache<Long, Object> cache) {
        final SplittableRandom random = new SplittableRandom(11);
        long scanKey = HOT_KEYS;
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < HOT_ACCESSES_PER_ROUND; i++) {
                access(cache, random.nextLong(HOT_KEYS));
            }
            for (int i = 0; i < SCAN_KEYS_PER_ROUND; i++) {
                access(cache, scanKey++);
            }
        }
        assertThat(cache.usedBytes()).isLessThanOrEqualTo(cache.capacityBytes());
        return (double) cache.hits() / (cache.hits() + cache.misses());
    }

    private static void access(final ContextCache<Long, Object> cache, final long key) {
        if (cache.get(key) == null) {
            cache.put(key, Boolean.TRUE);
        }
    }

    /** A clock that counts accesses. */
    private static final class Ticks implements LongSupplier {
        private long now;

        @Override
        public long getAsLong() {
            return ++now;
        }
    }
}
