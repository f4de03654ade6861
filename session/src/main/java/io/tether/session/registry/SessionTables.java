package io.tether.session.registry;

import static io.tether.session.registry.SessionIndexDescriptor.BUCKET_LENGTH;
import static io.tether.session.registry.SessionIndexDescriptor.EMPTY_BUCKET;
import static io.tether.session.registry.SessionIndexDescriptor.KEY_LENGTH;
import static io.tether.session.registry.SessionIndexDescriptor.KEY_LOW_OFFSET;
import static io.tether.session.registry.SessionIndexDescriptor.bucket;
import static io.tether.session.registry.SessionIndexDescriptor.bucketOffset;
import static io.tether.session.registry.SessionIndexDescriptor.hash;
import static io.tether.session.registry.SessionIndexDescriptor.keyOffset;
import static io.tether.session.registry.SessionIndexDescriptor.slot;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Arrays;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * The index, key records and session slots a {@link SessionRegistry} uses at one time (layout in
 * {@link SessionIndexDescriptor}). Growth builds a new instance and publishes it whole; the old
 * one stays valid memory for as long as a reader holds it, because its buffers are plain direct
 * {@link ByteBuffer}s that only the garbage collector frees.
 * <p>
 * Mutating methods are called by one writer at a time; this class knows nothing of the reader
 * protocol, which {@link SessionRegistry} owns.
 *
 * @param <S> the session type.
 */
final class SessionTables<S> {
    /** Result of {@link #find} when the id is not in the index. */
    static final long ABSENT = -1L;

    /**
     * Result of {@link #find} when the index points past these slots: the slots grew after the
     * reader took this instance, so it must take the current one.
     */
    static final long STALE = -2L;

    private static final VarHandle SESSIONS = MethodHandles.arrayElementVarHandle(Object[].class);

    final UnsafeBuffer index;
    final int mask;
    final UnsafeBuffer keys;
    final Object[] sessions;
    final int slotCapacity;

    private SessionTables(
        final UnsafeBuffer index, final UnsafeBuffer keys, final Object[] sessions) {
        this.index = index;
        this.mask = index.capacity() / BUCKET_LENGTH - 1;
        this.keys = keys;
        this.sessions = sessions;
        this.slotCapacity = sessions.length;
    }

    /**
     * @param indexCapacity buckets, a power of two.
     * @param slotCapacity  slots.
     * @return empty tables.
     */
    static <S> SessionTables<S> allocate(final int indexCapacity, final int slotCapacity) {
        return new SessionTables<>(
            allocateDirect(indexCapacity * BUCKET_LENGTH),
            allocateDirect(slotCapacity * KEY_LENGTH),
            new Object[slotCapacity]);
    }

    /**
     * @return buckets in the index.
     */
    int indexCapacity() {
        return mask + 1;
    }

    /**
     * @return bytes of direct memory held.
     */
    long offHeapBytes() {
        return (long)index.capacity() + keys.capacity();
    }

    /**
     * Probes for an id. Safe to call while a writer changes the index: a torn answer is then
     * caught by the caller's sequence check, and the probe is bounded so it always returns.
     *
     * @param hash hash of the id.
     * @param high first 64 bits of the id.
     * @param low  last 64 bits of the id.
     * @return bucket position in the high 32 bits and slot in the low 32 bits, or
     * {@link #ABSENT} or {@link #STALE}.
     */
    long find(final int hash, final long high, final long low) {
        int position = hash & mask;
        for (int probes = 0; probes <= mask; probes++) {
            // Acquire pairs with the release in insert: a visible bucket implies its key and session.
            final long bucket = index.getLongAcquire(bucketOffset(position));
            if (bucket == EMPTY_BUCKET) {
                return ABSENT;
            }
            if (hash(bucket) == hash) {
                final int slot = slot(bucket);
                if (slot >= slotCapacity) {
                    return STALE;
                }
                final int offset = keyOffset(slot);
                if (keys.getLong(offset) == high && keys.getLong(offset + KEY_LOW_OFFSET) == low) {
                    return (long)position << 32 | slot;
                }
            }
            position = (position + 1) & mask;
        }
        return ABSENT;
    }

    /**
     * Puts an id into a free slot and then its bucket into the index, in that order, so a reader
     * that sees the bucket sees a complete entry. The id must not be in the index already.
     */
    void insert(final long hash, final int slot, final long high, final long low, final S session) {
        final int offset = keyOffset(slot);
        keys.putLong(offset, high);
        keys.putLong(offset + KEY_LOW_OFFSET, low);
        // Release as well for iteration, which reads slots without going through a bucket.
        SESSIONS.setRelease(sessions, slot, session);
        place(bucket(hash, slot));
    }

    /**
     * Empties a bucket and shifts the rest of its probe run back over the hole, so that no
     * tombstone is left and every remaining id stays reachable from its home bucket.
     *
     * @param position bucket position to empty.
     */
    void delete(final int position) {
        int hole = position;
        int next = position;
        while (true) {
            next = (next + 1) & mask;
            final long bucket = index.getLong(bucketOffset(next));
            if (bucket == EMPTY_BUCKET) {
                break;
            }
            // The bucket may fill the hole when the hole is nearer its home than the bucket is.
            final int home = hash(bucket) & mask;
            if (((hole - home) & mask) < ((next - home) & mask)) {
                index.putLong(bucketOffset(hole), bucket);
                hole = next;
            }
        }
        index.putLong(bucketOffset(hole), EMPTY_BUCKET);
    }

    /**
     * @param newIndexCapacity buckets of the new index, a power of two.
     * @return tables with a new index holding every bucket of this one, sharing the slots.
     */
    SessionTables<S> withIndexCapacity(final int newIndexCapacity) {
        final SessionTables<S> grown =
            new SessionTables<>(allocateDirect(newIndexCapacity * BUCKET_LENGTH), keys, sessions);
        for (int position = 0; position <= mask; position++) {
            final long bucket = index.getLong(bucketOffset(position));
            if (bucket != EMPTY_BUCKET) {
                grown.place(bucket);
            }
        }
        return grown;
    }

    /**
     * @param newSlotCapacity slots of the new tables, more than now.
     * @return tables with copies of these slots, sharing the index.
     */
    SessionTables<S> withSlotCapacity(final int newSlotCapacity) {
        final UnsafeBuffer newKeys = allocateDirect(newSlotCapacity * KEY_LENGTH);
        newKeys.putBytes(0, keys, 0, keys.capacity());
        return new SessionTables<>(index, newKeys, Arrays.copyOf(sessions, newSlotCapacity));
    }

    @SuppressWarnings("unchecked")
    S session(final int slot) {
        return (S)sessions[slot];
    }

    /**
     * For readers that reach a slot without going through its bucket, such as iteration.
     */
    @SuppressWarnings("unchecked")
    S sessionAcquire(final int slot) {
        return (S)SESSIONS.getAcquire(sessions, slot);
    }

    void clearSession(final int slot) {
        sessions[slot] = null;
    }

    int nextFreeSlot(final int freeSlot) {
        return keys.getInt(keyOffset(freeSlot));
    }

    void linkFreeSlot(final int freeSlot, final int next) {
        keys.putInt(keyOffset(freeSlot), next);
    }

    private void place(final long bucket) {
        int position = hash(bucket) & mask;
        while (index.getLong(bucketOffset(position)) != EMPTY_BUCKET) {
            position = (position + 1) & mask;
        }
        index.putLongRelease(bucketOffset(position), bucket);
    }

    private static UnsafeBuffer allocateDirect(final int length) {
        return new UnsafeBuffer(ByteBuffer.allocateDirect(length));
    }
}
