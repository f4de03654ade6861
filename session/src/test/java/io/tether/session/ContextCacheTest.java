package io.tether.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContextCacheTest {

    /** A session context whose cost is its size field, so tests can make it grow. */
    private static final class Context {
        long bytes;

        Context(final long bytes) {
            this.bytes = bytes;
        }
    }

    private long now;
    private final List<String> evicted = new ArrayList<>();

    private ContextCache<String, Context> lru2(final long capacity) {
        return ContextCache.lru2(capacity, c -> c.bytes, () -> ++now, (key, value) -> evicted.add(key));
    }

    private ContextCache<String, Context> lru(final long capacity) {
        return ContextCache.lru(capacity, c -> c.bytes, () -> ++now, (key, value) -> evicted.add(key));
    }

    @Test
    void shouldEvictEntriesAccessedOnceBeforeEntriesAccessedTwice() {
        final ContextCache<String, Context> cache = lru2(300);
        cache.put("a", new Context(100));
        cache.get("a");
        cache.put("b", new Context(100));
        cache.get("b");
        cache.put("c", new Context(100));

        cache.put("d", new Context(100));

        assertThat(evicted).as("c and d were used once; c longest ago").containsExactly("c");
        cache.put("e", new Context(100));
        assertThat(evicted).containsExactly("c", "d");
        assertThat(cache.contains("a")).isTrue();
        assertThat(cache.contains("b")).isTrue();
    }

    @Test
    void shouldEvictByTheSecondMostRecentAccessNotTheLast() {
        final ContextCache<String, Context> lru2 = lru2(300);
        final ContextCache<String, Context> lru = lru(300);
        for (final ContextCache<String, Context> cache : List.of(lru2, lru)) {
            now = 0;
            cache.put("a", new Context(100));         // a: 1
            cache.get("a");                           // a: 1, 2
            cache.put("b", new Context(100));         // b: 3
            cache.get("b");                           // b: 3, 4
            cache.get("a");                           // a: 2, 5
            cache.put("c", new Context(100));         // c: 6
            cache.get("c");                           // c: 6, 7
            cache.putAcquired("d", new Context(100)); // pinned, and over the bound
        }

        // LRU-2 evicts a, whose second-last access (2) is oldest although its last (5) is not;
        // LRU evicts b, whose last access (4) is oldest.
        assertThat(evicted).containsExactly("a", "b");
    }

    @Test
    void shouldNeverEvictPinnedEntriesEvenOverTheBound() {
        final ContextCache<String, Context> cache = lru2(200);
        cache.putAcquired("attached-1", new Context(100));
        cache.putAcquired("attached-2", new Context(100));
        cache.put("detached", new Context(100));

        assertThat(evicted).containsExactly("detached");
        cache.putAcquired("attached-3", new Context(100));
        assertThat(cache.usedBytes()).as("pins hold it over the bound").isEqualTo(300);
        assertThat(cache.size()).isEqualTo(3);
        assertThat(evicted).containsExactly("detached");

        assertThat(cache.release("attached-2")).isTrue();

        assertThat(evicted).containsExactly("detached", "attached-2");
        assertThat(cache.usedBytes()).isEqualTo(200);
        assertThat(cache.evictions()).isEqualTo(2);
    }

    @Test
    void shouldKeepAnEntryPinnedUntilEveryAcquireIsReleased() {
        final ContextCache<String, Context> cache = lru2(100);
        cache.put("s", new Context(80));
        cache.acquire("s");
        cache.acquire("s");
        assertThat(cache.refCount("s")).isEqualTo(2);
        cache.put("t", new Context(80));
        assertThat(evicted).containsExactly("t");

        cache.release("s");
        cache.put("u", new Context(80));
        assertThat(evicted).containsExactly("t", "u");
        cache.release("s");

        assertThat(cache.refCount("s")).isZero();
        cache.put("v", new Context(80));
        assertThat(evicted).containsExactly("t", "u", "v");
    }

    @Test
    void shouldCountAPinnedPeriodAsOneReferenceEndingAtRelease() {
        final ContextCache<String, Context> cache = lru2(300);
        cache.put("old", new Context(100));       // old: 1
        cache.putAcquired("s", new Context(100)); // s: 2, pinned
        cache.put("new", new Context(100));       // new: 3
        cache.release("s");                       // s: its one access moves to 4

        cache.put("x", new Context(100));         // all used once: the oldest goes
        cache.put("y", new Context(100));

        assertThat(evicted).containsExactly("old", "new");
        assertThat(cache.contains("s")).isTrue();
    }

    @Test
    void shouldEvictWhenARecostedEntryGrows() {
        final ContextCache<String, Context> cache = lru2(300);
        final Context growing = new Context(100);
        cache.put("a", new Context(100));
        cache.put("growing", growing);

        growing.bytes = 250;
        cache.recost("growing");

        assertThat(evicted).containsExactly("a");
        assertThat(cache.usedBytes()).isEqualTo(250);
    }

    @Test
    void shouldEvictTheNewEntryItselfWhenItAloneExceedsTheBound() {
        final ContextCache<String, Context> cache = lru2(100);

        cache.put("huge", new Context(500));

        assertThat(evicted).containsExactly("huge");
        assertThat(cache.size()).isZero();
        assertThat(cache.usedBytes()).isZero();
    }

    @Test
    void shouldRemoveWithoutCountingAnEviction() {
        final ContextCache<String, Context> cache = lru2(300);
        cache.put("closed", new Context(100));
        cache.putAcquired("closed-while-attached", new Context(100));

        assertThat(cache.remove("closed")).isNotNull();
        assertThat(cache.remove("closed-while-attached")).isNotNull();
        assertThat(cache.remove("unknown")).isNull();

        assertThat(cache.release("closed-while-attached")).as("gone").isFalse();
        assertThat(evicted).isEmpty();
        assertThat(cache.evictions()).isZero();
        assertThat(cache.usedBytes()).isZero();
    }

    @Test
    void shouldRejectReleaseWithoutAcquire() {
        final ContextCache<String, Context> cache = lru2(300);
        cache.put("a", new Context(1));

        assertThatThrownBy(() -> cache.release("a")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldReplaceAValueKeepingItsPins() {
        final ContextCache<String, Context> cache = lru2(300);
        cache.putAcquired("a", new Context(100));
        final Context replacement = new Context(40);

        cache.put("a", replacement);

        assertThat(cache.refCount("a")).isEqualTo(1);
        assertThat(cache.usedBytes()).isEqualTo(40);
        assertThat(cache.get("a")).isSameAs(replacement);
    }

    @Test
    void shouldCountHitsAndMisses() {
        final ContextCache<String, Context> cache = lru(300);
        cache.put("a", new Context(1));

        cache.get("a");
        cache.acquire("a");
        cache.get("b");
        cache.acquire("c");

        assertThat(cache.hits()).isEqualTo(2);
        assertThat(cache.misses()).isEqualTo(2);
    }
}
