package io.tether.session.registry;

import org.agrona.BitUtil;

/**
 * Layout of the off-heap memory behind {@link SessionRegistry}: three regions, each in its own
 * direct buffer so that one can grow without copying the others.
 * <p>
 * <b>Index</b>: a power-of-two number of 8-byte buckets, probed linearly from
 * {@code hash & mask}. A bucket is read and written as one native-order long, so a reader sees
 * either the whole old bucket or the whole new one.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Key hash (low 32 bits)                       |
 *  +---------------------------------------------------------------+
 *  |                  Slot + 1 (0 means empty)                     |
 *  +---------------------------------------------------------------+
 * </pre>
 * The hash is kept so that a probe rejects most other keys without touching the key region, and
 * so that growth re-buckets entries without hashing any key again (32 bits cover every capacity
 * the index may reach). Emptiness is told by the slot, not the hash, so every key is storable.
 * <p>
 * <b>Keys</b>: one 16-byte record per slot. Slots never move while their session is registered,
 * which is what lets iteration run alongside writers. A free slot's first 4 bytes link it to the
 * next free slot instead of holding a key.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Session id, high 64 bits                     |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                  Session id, low 64 bits                      |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 * </pre>
 * The session objects themselves sit in a heap array indexed by the same slot.
 * <p>
 * <b>Control</b>: the counters every thread touches, one cache line each (plus a line of padding
 * in front) so that writers bumping the size do not evict the sequence readers poll.
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                  Padding (one cache line)                     |
 *  +---------------------------------------------------------------+
 *  |  Sequence: even when stable, odd while a removal moves buckets |
 *  +---------------------------------------------------------------+
 *  |                  Size: registered sessions                    |
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class SessionIndexDescriptor {
    /** Bytes per index bucket. */
    public static final int BUCKET_LENGTH = 8;

    /** Bytes per key record. */
    public static final int KEY_LENGTH = 16;

    /** Offset of the low half of the id inside a key record; the high half is at 0. */
    public static final int KEY_LOW_OFFSET = 8;

    /** Offset of the sequence counter in the control region. */
    public static final int SEQUENCE_OFFSET = BitUtil.CACHE_LINE_LENGTH;

    /** Offset of the size counter in the control region. */
    public static final int SIZE_OFFSET = 2 * BitUtil.CACHE_LINE_LENGTH;

    /** Length of the control region. */
    public static final int CONTROL_LENGTH = 3 * BitUtil.CACHE_LINE_LENGTH;

    /** Largest index: 2^27 buckets are 1 GiB, and a direct buffer holds at most 2 GiB. */
    public static final int MAX_INDEX_CAPACITY = 1 << 27;

    /** Largest number of slots a key region can hold in one direct buffer. */
    public static final int MAX_SLOT_CAPACITY = Integer.MAX_VALUE / KEY_LENGTH;

    /** A bucket with no session. */
    public static final long EMPTY_BUCKET = 0L;

    private SessionIndexDescriptor() {
    }

    /**
     * @param index bucket position in the index.
     * @return byte offset of the bucket.
     */
    public static int bucketOffset(final int index) {
        return index * BUCKET_LENGTH;
    }

    /**
     * @param slot slot of a session.
     * @return byte offset of the slot's key record.
     */
    public static int keyOffset(final int slot) {
        return slot * KEY_LENGTH;
    }

    /**
     * @param hash hash of the session id; only its low 32 bits are kept.
     * @param slot slot of the session.
     * @return the bucket value.
     */
    public static long bucket(final long hash, final int slot) {
        return ((long)(slot + 1) << 32) | (hash & 0xFFFF_FFFFL);
    }

    /**
     * @param bucket a bucket value.
     * @return the slot it points to, or -1 for an empty bucket.
     */
    public static int slot(final long bucket) {
        return (int)(bucket >>> 32) - 1;
    }

    /**
     * @param bucket a bucket value.
     * @return the low 32 bits of the hash of the id it holds.
     */
    public static int hash(final long bucket) {
        return (int)bucket;
    }
}
