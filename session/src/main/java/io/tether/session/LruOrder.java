package io.tether.session;

/**
 * Plain LRU: evict the entry whose last access is oldest. An intrusive doubly-linked list, O(1)
 * per operation, kept as the baseline {@link Lru2Order} is measured against.
 */
final class LruOrder<K, V> implements EvictionOrder<K, V> {

    private CacheEntry<K, V> oldest;
    private CacheEntry<K, V> newest;

    @Override
    public void add(final CacheEntry<K, V> entry) {
        // Entries only become evictable at an access (insert, release), so the newest end is right.
        entry.prev = newest;
        entry.next = null;
        if (newest == null) {
            oldest = entry;
        } else {
            newest.next = entry;
        }
        newest = entry;
    }

    @Override
    public void remove(final CacheEntry<K, V> entry) {
        if (entry.prev == null) {
            oldest = entry.next;
        } else {
            entry.prev.next = entry.next;
        }
        if (entry.next == null) {
            newest = entry.prev;
        } else {
            entry.next.prev = entry.prev;
        }
        entry.prev = null;
        entry.next = null;
    }

    @Override
    public void accessed(final CacheEntry<K, V> entry) {
        if (entry != newest) {
            remove(entry);
            add(entry);
        }
    }

    @Override
    public CacheEntry<K, V> victim() {
        return oldest;
    }
}
