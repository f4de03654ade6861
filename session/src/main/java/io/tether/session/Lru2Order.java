package io.tether.session;

import java.util.Arrays;

/**
 * LRU-K with K = 2 (O'Neil, O'Neil and Weikum, SIGMOD 1993): evict the entry whose second most
 * recent access is oldest; entries accessed only once go first, oldest access first.
 * <p>
 * Why not plain LRU: a burst of one-off keys (a reconnect storm of sessions that never come back, a
 * scan) pushes everything else out of an LRU. Under LRU-2 such keys have one access and are evicted
 * among themselves, while entries used at least twice keep their place.
 * <p>
 * The order is not "move to the end on access" (a new second-last access can be older than other
 * entries'), so entries sit in a binary min-heap, O(log n) per access; each entry knows its heap
 * index so it can be moved or removed without a search. Access history of evicted keys is not kept.
 */
final class Lru2Order<K, V> implements EvictionOrder<K, V> {

    private static final int INITIAL_CAPACITY = 16;

    @SuppressWarnings("unchecked")
    private CacheEntry<K, V>[] heap = new CacheEntry[INITIAL_CAPACITY];
    private int size;

    @Override
    public void add(final CacheEntry<K, V> entry) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        heap[size] = entry;
        entry.heapIndex = size;
        size++;
        siftUp(entry.heapIndex);
    }

    @Override
    public void remove(final CacheEntry<K, V> entry) {
        final int index = entry.heapIndex;
        final CacheEntry<K, V> last = heap[--size];
        heap[size] = null;
        entry.heapIndex = -1;
        if (last != entry) {
            heap[index] = last;
            last.heapIndex = index;
            siftDown(index);
            siftUp(last.heapIndex);
        }
    }

    @Override
    public void accessed(final CacheEntry<K, V> entry) {
        // Access times only grow, so the entry can only move away from the top.
        siftDown(entry.heapIndex);
    }

    @Override
    public CacheEntry<K, V> victim() {
        return size == 0 ? null : heap[0];
    }

    /** Whether {@code a} is evicted before {@code b}. */
    static boolean evictsBefore(final CacheEntry<?, ?> a, final CacheEntry<?, ?> b) {
        final boolean aOnce = a.previousAccess == CacheEntry.NEVER;
        final boolean bOnce = b.previousAccess == CacheEntry.NEVER;
        if (aOnce != bOnce) {
            return aOnce;
        }
        return aOnce ? a.lastAccess < b.lastAccess : a.previousAccess < b.previousAccess;
    }

    private void siftUp(final int from) {
        int index = from;
        final CacheEntry<K, V> entry = heap[index];
        while (index > 0) {
            final int parent = (index - 1) >>> 1;
            if (!evictsBefore(entry, heap[parent])) {
                break;
            }
            place(heap[parent], index);
            index = parent;
        }
        place(entry, index);
    }

    private void siftDown(final int from) {
        int index = from;
        final CacheEntry<K, V> entry = heap[index];
        final int half = size >>> 1;
        while (index < half) {
            int child = 2 * index + 1;
            final int right = child + 1;
            if (right < size && evictsBefore(heap[right], heap[child])) {
                child = right;
            }
            if (!evictsBefore(heap[child], entry)) {
                break;
            }
            place(heap[child], index);
            index = child;
        }
        place(entry, index);
    }

    private void place(final CacheEntry<K, V> entry, final int index) {
        heap[index] = entry;
        entry.heapIndex = index;
    }
}
