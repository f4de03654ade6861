package io.tether.session;

/**
 * One entry of a {@link ContextCache}, with the fields both eviction orders need: the last two
 * access times for {@link Lru2Order}'s heap, the list links for {@link LruOrder}. An object per
 * entry is fine here: the cache holds detached sessions, whose outbox already dwarfs it.
 */
final class CacheEntry<K, V> {

    /** {@link #previousAccess} of an entry accessed only once. */
    static final long NEVER = Long.MIN_VALUE;

    final K key;
    V value;
    long cost;
    int refCount;
    long lastAccess;
    long previousAccess = NEVER;

    int heapIndex = -1;
    CacheEntry<K, V> prev;
    CacheEntry<K, V> next;

    CacheEntry(final K key, final V value) {
        this.key = key;
        this.value = value;
    }

    /** A new reference at {@code time}: the last access becomes the one before it. */
    void reference(final long time) {
        previousAccess = lastAccess;
        lastAccess = time;
    }
}
