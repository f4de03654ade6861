package io.tether.session;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import org.agrona.BitUtil;

/**
 * A first-in first-out queue of variable-length byte records kept in one {@code byte[]} ring: the
 * storage behind {@link Outbox} and {@link RecentResponses}. One array instead of an object per
 * record, allocated on the first record, grown by doubling up to a hard maximum and dropped by
 * {@link #release()} once empty, so an idle session pays for none of it.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Length (int32, little-endian)                |
 *  +---------------------------------------------------------------+
 *  |                   Payload (Length bytes)                     ...
 *  +---------------------------------------------------------------+
 * </pre>
 * A record never wraps around the end of the array, so every payload is one contiguous slice a
 * caller can copy or encode into. When it does not fit before the end, the rest of the array is
 * padding: a header with Length {@link #PADDING}, or nothing at all when fewer than
 * {@link #HEADER_LENGTH} bytes remain. Readers skip both back to index 0.
 * <p>
 * The owner decides what to drop when a record does not fit ({@link #tryClaim} returns -1): the
 * ring never discards on its own. Not thread-safe: one owner, like the session state it serves.
 */
final class RecordRing {

    /** Bytes of the length header in front of every record. */
    static final int HEADER_LENGTH = Integer.BYTES;

    /** Length value marking the rest of the array as unused, the next record being at index 0. */
    static final int PADDING = -1;

    /** The largest ring: growth doubles in powers of two, and 2^30 is the largest an int holds. */
    static final int MAX_CAPACITY = 1 << 30;

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private int maxCapacity;
    private final int initialCapacity;
    private byte[] buffer;
    private int head;
    private int tail;
    private int count;
    private int recordBytes;

    /**
     * @param maxCapacity     the most bytes the array may ever take: the memory bound of the owner
     * @param initialCapacity the array size allocated for the first record (when that record fits)
     */
    RecordRing(final int maxCapacity, final int initialCapacity) {
        if (maxCapacity <= HEADER_LENGTH || maxCapacity > MAX_CAPACITY) {
            throw new IllegalArgumentException(
                "maxCapacity must be in (" + HEADER_LENGTH + ", " + MAX_CAPACITY + "]: " + maxCapacity);
        }
        if (initialCapacity <= 0) {
            throw new IllegalArgumentException("initialCapacity must be positive: " + initialCapacity);
        }
        this.maxCapacity = maxCapacity;
        this.initialCapacity = initialCapacity;
    }

    /**
     * Changes the bound (a live config change). Records already held stay; a smaller bound applies to the next
     * {@link #tryClaim}, which fails until the owner has removed enough old records, and the array shrinks to it the
     * next time it is released.
     */
    void maxCapacity(final int maxCapacity) {
        if (maxCapacity <= HEADER_LENGTH || maxCapacity > MAX_CAPACITY) {
            throw new IllegalArgumentException(
                "maxCapacity must be in (" + HEADER_LENGTH + ", " + MAX_CAPACITY + "]: " + maxCapacity);
        }
        this.maxCapacity = maxCapacity;
    }

    /** Whether a record with a payload of {@code length} bytes can be held at all, once the ring is emptied. */
    boolean canHold(final int length) {
        return length >= 0 && length <= maxCapacity - HEADER_LENGTH;
    }

    /**
     * Appends a record of {@code length} payload bytes and returns the index in {@link #buffer()} where
     * the caller writes its payload, or -1 when it does not fit without removing older records.
     *
     * @throws IllegalArgumentException if the ring can never hold such a record (see {@link #canHold})
     */
    int tryClaim(final int length) {
        if (!canHold(length)) {
            throw new IllegalArgumentException("record of " + length + " bytes exceeds the ring's " + maxCapacity);
        }
        final int size = HEADER_LENGTH + length;
        if (buffer == null) {
            buffer = new byte[Math.min(maxCapacity, Math.max(initialCapacity, BitUtil.findNextPositivePowerOfTwo(size)))];
        }
        if (recordBytes + size > maxCapacity) {
            return -1; // over the bound, which may have shrunk below the array's size
        }
        int at = claimIndex(size);
        if (at < 0 && buffer.length < maxCapacity && recordBytes + size <= maxCapacity) {
            grow(recordBytes + size);
            at = claimIndex(size);
        }
        if (at < 0) {
            return -1;
        }
        INT.set(buffer, at, length);
        tail = at + size == buffer.length ? 0 : at + size;
        count++;
        recordBytes += size;
        return at + HEADER_LENGTH;
    }

    /** Removes the oldest record. */
    void removeFirst() {
        if (count == 0) {
            throw new IllegalStateException("ring is empty");
        }
        final int size = HEADER_LENGTH + length(head);
        count--;
        recordBytes -= size;
        if (count == 0) {
            head = 0;
            tail = 0;
        } else {
            head = skipPadding(head + size);
        }
    }

    /** Drops the array if no record is left, so an idle owner holds no storage. */
    void release() {
        if (count == 0) {
            buffer = null;
        }
    }

    /** Index of the oldest record, for a walk with {@link #next} bounded by {@link #count()}. */
    int first() {
        return head;
    }

    /** Index of the record after the one at {@code index}; meaningless past the newest record. */
    int next(final int index) {
        return skipPadding(index + HEADER_LENGTH + length(index));
    }

    /** Payload length of the record at {@code index}. */
    int length(final int index) {
        return (int) INT.get(buffer, index);
    }

    /** Where the payload of the record at {@code index} starts in {@link #buffer()}. */
    static int payloadOffset(final int index) {
        return index + HEADER_LENGTH;
    }

    /** The backing array, or null while released. Only valid until the next {@link #tryClaim}. */
    byte[] buffer() {
        return buffer;
    }

    /** Number of records held. */
    int count() {
        return count;
    }

    /** Bytes of the records held, headers included, padding excluded. */
    int recordBytes() {
        return recordBytes;
    }

    /** Size of the backing array, 0 while released. */
    int capacity() {
        return buffer == null ? 0 : buffer.length;
    }

    private int claimIndex(final int size) {
        final int capacity = buffer.length;
        if (count == 0) {
            return size <= capacity ? 0 : -1;
        }
        if (tail > head) {
            if (size <= capacity - tail) {
                return tail;
            }
            if (size <= head) {
                if (capacity - tail >= HEADER_LENGTH) {
                    INT.set(buffer, tail, PADDING);
                }
                return 0;
            }
            return -1;
        }
        // The free space is the gap between the newest record and the oldest; none at all when full.
        return size <= head - tail ? tail : -1;
    }

    private int skipPadding(final int index) {
        if (buffer.length - index < HEADER_LENGTH || (int) INT.get(buffer, index) == PADDING) {
            return 0;
        }
        return index;
    }

    private void grow(final int needed) {
        final int capacity = Math.min(maxCapacity,
            Math.max(buffer.length * 2, BitUtil.findNextPositivePowerOfTwo(needed)));
        final byte[] grown = new byte[capacity];
        int to = 0;
        for (int i = 0, at = head; i < count; i++, at = next(at)) {
            final int size = HEADER_LENGTH + length(at);
            System.arraycopy(buffer, at, grown, to, size);
            to += size;
        }
        buffer = grown;
        head = 0;
        tail = to;
    }
}
