package io.tether.session;

/**
 * Decides which unpinned entry of a {@link ContextCache} goes first. It only ever holds entries
 * whose reference count is zero: pinned ones are taken out, so choosing a victim never has to
 * step over the (many) sessions still attached.
 */
interface EvictionOrder<K, V> {

    /** {@code entry} became evictable: inserted unpinned, or its last pin was released. */
    void add(CacheEntry<K, V> entry);

    /** {@code entry} is no longer evictable: pinned, removed or evicted. */
    void remove(CacheEntry<K, V> entry);

    /** The access times of the evictable {@code entry} changed. */
    void accessed(CacheEntry<K, V> entry);

    /** The entry to evict next, or null if none is evictable. */
    CacheEntry<K, V> victim();
}
