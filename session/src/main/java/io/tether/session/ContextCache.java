package io.tether.session;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * The contexts of sessions, bounded by the bytes they report ({@code --session-cache-bytes}), so a
 * detached session waits here for its client to resume until memory is needed for others.
 * <p>
 * Entries are reference-counted: {@link #acquire} pins one (the session is attached, or a handler
 * runs for it), {@link #release} unpins it. A pinned entry is never evicted; if pinned entries
 * alone exceed the bound, the cache stays over it until some are released. When an unpinned entry
 * is evicted the {@link EvictionListener} hears of it, and the engine treats that session as gone:
 * its client's next resume gets {@code Welcome{resumed=false}}.
 * <p>
 * Which unpinned entry goes first is the {@link EvictionOrder}: {@link #lru2 LRU-2} for tether,
 * plain {@link #lru LRU} as a baseline. Both read time from an injected clock (any non-decreasing
 * counter: ticks, nanos, or a count of operations), which makes eviction deterministic in tests.
 * A pinned period counts as one reference: {@link #acquire} records an access and {@link #release}
 * moves that access's time to the release, without counting a second one.
 * <p>
 * Not thread-safe: one owner (the event loop that holds these sessions) calls it; other threads
 * go through that owner's command queue.
 */
public final class ContextCache<K, V> {

    /** Hears of every eviction (not of {@link #remove}). Must not call back into the cache. */
    @FunctionalInterface
    public interface EvictionListener<K, V> {
        void onEvicted(K key, V value);
    }

    private final Map<K, CacheEntry<K, V>> entries = new HashMap<>();
    private final EvictionOrder<K, V> order;
    private final long capacityBytes;
    private final ToLongFunction<? super V> costOf;
    private final LongSupplier clock;
    private final EvictionListener<? super K, ? super V> listener;
    private long usedBytes;
    private long hits;
    private long misses;
    private long evictions;

    /**
     * An LRU-2 cache.
     *
     * @param capacityBytes the bound on the sum of the entries' costs
     * @param costOf        the bytes an entry holds; asked on {@link #put} and {@link #recost}
     * @param clock         the time of each access, never decreasing
     * @param listener      told of each eviction
     */
    public static <K, V> ContextCache<K, V> lru2(
        final long capacityBytes,
        final ToLongFunction<? super V> costOf,
        final LongSupplier clock,
        final EvictionListener<? super K, ? super V> listener) {
        return new ContextCache<>(new Lru2Order<>(), capacityBytes, costOf, clock, listener);
    }

    /** A plain LRU cache, the baseline for {@link #lru2}; same arguments. */
    public static <K, V> ContextCache<K, V> lru(
        final long capacityBytes,
        final ToLongFunction<? super V> costOf,
        final LongSupplier clock,
        final EvictionListener<? super K, ? super V> listener) {
        return new ContextCache<>(new LruOrder<>(), capacityBytes, costOf, clock, listener);
    }

    private ContextCache(
        final EvictionOrder<K, V> order,
        final long capacityBytes,
        final ToLongFunction<? super V> costOf,
        final LongSupplier clock,
        final EvictionListener<? super K, ? super V> listener) {
        if (capacityBytes <= 0) {
            throw new IllegalArgumentException("capacityBytes must be positive: " + capacityBytes);
        }
        this.order = order;
        this.capacityBytes = capacityBytes;
        this.costOf = Objects.requireNonNull(costOf, "costOf");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** The value for {@code key} without pinning it, or null (a miss). Counts as an access. */
    public V get(final K key) {
        final CacheEntry<K, V> entry = lookup(key);
        if (entry == null) {
            return null;
        }
        entry.reference(clock.getAsLong());
        if (entry.refCount == 0) {
            order.accessed(entry);
        }
        return entry.value;
    }

    /** The value for {@code key}, pinned until {@link #release}, or null (a miss). Counts as an access. */
    public V acquire(final K key) {
        final CacheEntry<K, V> entry = lookup(key);
        if (entry == null) {
            return null;
        }
        entry.reference(clock.getAsLong());
        pin(entry);
        return entry.value;
    }

    /**
     * Unpins {@code key} once; at zero pins it may be evicted, this very call included if the cache
     * is over its bound.
     *
     * @return false if {@code key} is not cached (it was {@link #remove removed} while pinned)
     * @throws IllegalStateException if {@code key} is not pinned
     */
    public boolean release(final K key) {
        final CacheEntry<K, V> entry = entries.get(key);
        if (entry == null) {
            return false;
        }
        if (entry.refCount == 0) {
            throw new IllegalStateException("not acquired: " + key);
        }
        if (--entry.refCount == 0) {
            entry.lastAccess = Math.max(entry.lastAccess, clock.getAsLong());
            order.add(entry);
            evictOverBound();
        }
        return true;
    }

    /**
     * Caches {@code value} unpinned, replacing (and keeping the pins of) any value under {@code key}.
     * Counts as an access; may evict other entries, or this one if all others are worth more.
     */
    public void put(final K key, final V value) {
        insert(key, value);
        evictOverBound();
    }

    /** Caches {@code value} and pins it once, as {@link #put} then {@link #acquire} but one access. */
    public void putAcquired(final K key, final V value) {
        pin(insert(key, value));
        evictOverBound();
    }

    /** Removes {@code key}, pinned or not, without telling the listener. @return its value, or null */
    public V remove(final K key) {
        final CacheEntry<K, V> entry = entries.remove(key);
        if (entry == null) {
            return null;
        }
        if (entry.refCount == 0) {
            order.remove(entry);
        }
        usedBytes -= entry.cost;
        return entry.value;
    }

    /** Asks {@code key}'s value for its cost again, after it grew or shrank; may evict. */
    public void recost(final K key) {
        final CacheEntry<K, V> entry = entries.get(key);
        if (entry != null) {
            setCost(entry, costOf(key, entry.value));
            evictOverBound();
        }
    }

    /** Whether {@code key} is cached. Not an access. */
    public boolean contains(final K key) {
        return entries.containsKey(key);
    }

    /** How many times {@code key} is pinned, 0 if not cached. */
    public int refCount(final K key) {
        final CacheEntry<K, V> entry = entries.get(key);
        return entry == null ? 0 : entry.refCount;
    }

    public int size() {
        return entries.size();
    }

    /** Sum of the cached entries' costs; above {@link #capacityBytes()} only while pins hold it there. */
    public long usedBytes() {
        return usedBytes;
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    /** {@link #get} and {@link #acquire} calls that found their key. */
    public long hits() {
        return hits;
    }

    /** {@link #get} and {@link #acquire} calls that did not. */
    public long misses() {
        return misses;
    }

    /** Entries evicted to stay within the bound. */
    public long evictions() {
        return evictions;
    }

    private CacheEntry<K, V> lookup(final K key) {
        final CacheEntry<K, V> entry = entries.get(key);
        if (entry == null) {
            misses++;
        } else {
            hits++;
        }
        return entry;
    }

    private CacheEntry<K, V> insert(final K key, final V value) {
        final long cost = costOf(key, Objects.requireNonNull(value, "value"));
        CacheEntry<K, V> entry = entries.get(key);
        if (entry == null) {
            entry = new CacheEntry<>(Objects.requireNonNull(key, "key"), value);
            entries.put(key, entry);
            entry.lastAccess = clock.getAsLong();
            order.add(entry);
        } else {
            entry.value = value;
            entry.reference(clock.getAsLong());
            if (entry.refCount == 0) {
                order.accessed(entry);
            }
        }
        setCost(entry, cost);
        return entry;
    }

    private long costOf(final K key, final V value) {
        final long cost = costOf.applyAsLong(value);
        if (cost < 0) {
            throw new IllegalArgumentException("negative cost " + cost + " for " + key);
        }
        return cost;
    }

    private void pin(final CacheEntry<K, V> entry) {
        if (entry.refCount++ == 0) {
            order.remove(entry);
        }
    }

    private void setCost(final CacheEntry<K, V> entry, final long cost) {
        usedBytes += cost - entry.cost;
        entry.cost = cost;
    }

    private void evictOverBound() {
        CacheEntry<K, V> victim;
        while (usedBytes > capacityBytes && (victim = order.victim()) != null) {
            order.remove(victim);
            entries.remove(victim.key);
            usedBytes -= victim.cost;
            evictions++;
            listener.onEvicted(victim.key, victim.value);
        }
    }
}
