package io.tether.session;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import org.agrona.DirectBuffer;

/**
 * The recent responses of one session by request id, so that a request the client sends again after
 * a resume (it never saw the answer) is answered from here instead of running its handler twice.
 * <p>
 * The engine calls {@link #begin} for every request it receives and acts on the answer:
 * <ul>
 *   <li>{@link Status#NEW}: run the handler; call {@link #complete} with the encoded response
 *       (or {@link #abandon} if the request was refused before it ran).</li>
 *   <li>{@link Status#IN_FLIGHT}: a handler for this id is running or queued; drop the duplicate,
 *       the first run's response goes to the session when it completes.</li>
 *   <li>{@link Status#ANSWERED}: send the stored response again with {@link #replay}.</li>
 *   <li>{@link Status#ANSWER_NOT_KEPT}: the handler ran but its response was larger than the whole
 *       window; answer with an error rather than run it again.</li>
 * </ul>
 * The window holds at most {@code maxEntries} responses and {@code maxBytes} bytes, oldest dropped
 * first; the engine may also {@link #expireCompletedBefore expire} old ones from its timer. A
 * duplicate that arrives after its response left the window is new again: the window is short.
 * <p>
 * Memory: an empty window is a few fields. Responses are records in one lazily allocated
 * {@code byte[]} ring; in-flight ids sit in a small {@code long[]}. Lookups scan: both are short, and
 * a scan of a few dozen records beats hashing at that size.
 * <p>
 * Not thread-safe: owned by the session's event loop.
 */
public final class RecentResponses {

    /** What the window knows about a request id. */
    public enum Status {
        /** Never seen, or forgotten: now marked in flight. */
        NEW,
        /** Accepted earlier and not completed yet. */
        IN_FLIGHT,
        /** Completed, and the response is kept. */
        ANSWERED,
        /** Completed, but the response was too large to keep. */
        ANSWER_NOT_KEPT
    }

    /** Receives a stored response. The slice is only valid during the call and must not be changed. */
    @FunctionalInterface
    public interface ResponseConsumer {
        void onResponse(long requestId, byte[] buffer, int offset, int length);
    }

    /** Receives every remembered response, oldest first; {@code length} is -1 for one too large to keep. */
    @FunctionalInterface
    public interface EntryConsumer {
        void onEntry(long requestId, byte[] buffer, int offset, int length);
    }

    // Each ring record: request id (8), completion time (8), response length or NOT_KEPT (4), response.
    private static final int ID_OFFSET = 0;
    private static final int COMPLETED_AT_OFFSET = ID_OFFSET + Long.BYTES;
    private static final int LENGTH_OFFSET = COMPLETED_AT_OFFSET + Long.BYTES;
    private static final int ENTRY_HEADER_LENGTH = LENGTH_OFFSET + Integer.BYTES;
    private static final int NOT_KEPT = -1;

    /** Bytes each kept response costs on top of its encoded length. */
    public static final int ENTRY_OVERHEAD = RecordRing.HEADER_LENGTH + ENTRY_HEADER_LENGTH;

    private static final int INITIAL_CAPACITY = 512;
    private static final int INITIAL_IN_FLIGHT = 4;
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final RecordRing ring;
    private final int maxEntries;
    private long[] inFlight;
    private int inFlightCount;
    /** The highest id ever begun: ids above it need no lookup (clients usually count up). */
    private long highestBegun = Long.MIN_VALUE;

    /**
     * @param maxEntries the most responses kept
     * @param maxBytes   the most bytes they take, {@link #ENTRY_OVERHEAD} each included
     */
    public RecentResponses(final int maxEntries, final int maxBytes) {
        if (maxEntries <= 0) {
            throw new IllegalArgumentException("maxEntries must be positive: " + maxEntries);
        }
        if (maxBytes < ENTRY_OVERHEAD) {
            throw new IllegalArgumentException("maxBytes must be at least " + ENTRY_OVERHEAD + ": " + maxBytes);
        }
        this.maxEntries = maxEntries;
        this.ring = new RecordRing(maxBytes, Math.min(maxBytes, INITIAL_CAPACITY));
    }

    /** Looks {@code requestId} up, and marks it in flight when it is {@link Status#NEW}. */
    public Status begin(final long requestId) {
        if (requestId > highestBegun) {
            highestBegun = requestId;
        } else {
            if (inFlightIndex(requestId) >= 0) {
                return Status.IN_FLIGHT;
            }
            final int at = find(requestId);
            if (at >= 0) {
                return responseLength(at) == NOT_KEPT ? Status.ANSWER_NOT_KEPT : Status.ANSWERED;
            }
        }
        if (inFlight == null) {
            inFlight = new long[INITIAL_IN_FLIGHT];
        } else if (inFlightCount == inFlight.length) {
            inFlight = Arrays.copyOf(inFlight, inFlightCount * 2);
        }
        inFlight[inFlightCount++] = requestId;
        return Status.NEW;
    }

    /** Keeps the encoded response to {@code requestId}, which is no longer in flight. */
    public void complete(
        final long requestId, final long completedAt, final byte[] src, final int offset, final int length) {
        Objects.checkFromIndexSize(offset, length, src.length);
        final int at = claim(requestId, completedAt, length);
        if (at >= 0) {
            System.arraycopy(src, offset, ring.buffer(), at, length);
        }
    }

    /**
     * Reserves room for the encoded response to {@code requestId}, which is no longer in flight; the caller then
     * writes its {@code length} bytes into {@link #buffer()} at the returned offset, before any other call.
     *
     * @return the offset to write at, or -1 if the response is too large to keep (it is remembered as answered)
     */
    public int completeInPlace(final long requestId, final long completedAt, final int length) {
        return claim(requestId, completedAt, length);
    }

    /** The backing array, for {@link #completeInPlace}; it changes when the window grows or empties. */
    public byte[] buffer() {
        return ring.buffer();
    }

    /** As {@link #complete(long, long, byte[], int, int)}, copying from an Agrona buffer (heap or direct). */
    public void complete(
        final long requestId, final long completedAt, final DirectBuffer src, final int offset, final int length) {
        src.boundsCheck(offset, length);
        final int at = claim(requestId, completedAt, length);
        if (at >= 0) {
            src.getBytes(offset, ring.buffer(), at, length);
        }
    }

    /**
     * Hands every remembered response to {@code consumer}, oldest first (to copy the window to another node).
     *
     * @return how many
     */
    public int forEach(final EntryConsumer consumer) {
        final byte[] buffer = ring.buffer();
        final int count = ring.count();
        for (int i = 0, at = ring.first(); i < count; i++, at = ring.next(at)) {
            final int offset = RecordRing.payloadOffset(at);
            final long requestId = (long) LONG.get(buffer, offset + ID_OFFSET);
            final int length = responseLength(at);
            consumer.onEntry(requestId, buffer, offset + ENTRY_HEADER_LENGTH, length);
        }
        return count;
    }

    /**
     * Remembers a response another window had ({@link #forEach}), as completed at {@code completedAt} on this one's
     * clock; {@code length} -1 remembers it as answered but not kept.
     */
    public void restore(final long requestId, final long completedAt, final byte[] src, final int offset,
                        final int length) {
        if (requestId > highestBegun) {
            highestBegun = requestId;
        }
        if (length < 0) {
            claimEntry(requestId, completedAt, 0, false);
            return;
        }
        Objects.checkFromIndexSize(offset, length, src.length);
        final int at = claim(requestId, completedAt, length);
        if (at >= 0) {
            System.arraycopy(src, offset, ring.buffer(), at, length);
        }
    }

    /** Forgets an in-flight request that will never be answered, so that a re-send runs it. */
    public void abandon(final long requestId) {
        removeInFlight(requestId);
    }

    /**
     * Hands the kept response to {@code requestId} to {@code consumer}.
     *
     * @return false if no response to it is kept
     */
    public boolean replay(final long requestId, final ResponseConsumer consumer) {
        final int at = find(requestId);
        if (at < 0 || responseLength(at) == NOT_KEPT) {
            return false;
        }
        final int offset = RecordRing.payloadOffset(at) + ENTRY_HEADER_LENGTH;
        consumer.onResponse(requestId, ring.buffer(), offset, responseLength(at));
        return true;
    }

    /**
     * Drops the responses completed before {@code time} (on the clock passed to {@link #complete}),
     * which come first since responses are kept in completion order.
     *
     * @return how many were dropped
     */
    public int expireCompletedBefore(final long time) {
        int expired = 0;
        while (ring.count() > 0 && completedAt(ring.first()) < time) {
            ring.removeFirst();
            expired++;
        }
        ring.release();
        return expired;
    }

    /** How many responses (kept or too large) the window remembers. */
    public int size() {
        return ring.count();
    }

    /** How many requests are in flight. */
    public int inFlightCount() {
        return inFlightCount;
    }

    /** Bytes the window takes for its responses, {@link #ENTRY_OVERHEAD} each included. */
    public int retainedBytes() {
        return ring.recordBytes();
    }

    /** Size of the backing array: 0 while no response is kept. */
    public int capacity() {
        return ring.capacity();
    }

    private int claim(final long requestId, final long completedAt, final int length) {
        return claimEntry(requestId, completedAt, length, ring.canHold(ENTRY_HEADER_LENGTH + length));
    }

    private int claimEntry(final long requestId, final long completedAt, final int length, final boolean kept) {
        removeInFlight(requestId);
        final int entryLength = ENTRY_HEADER_LENGTH + (kept ? length : 0);
        while (ring.count() >= maxEntries) {
            ring.removeFirst();
        }
        int at;
        while ((at = ring.tryClaim(entryLength)) < 0) {
            ring.removeFirst();
        }
        final byte[] buffer = ring.buffer();
        LONG.set(buffer, at + ID_OFFSET, requestId);
        LONG.set(buffer, at + COMPLETED_AT_OFFSET, completedAt);
        INT.set(buffer, at + LENGTH_OFFSET, kept ? length : NOT_KEPT);
        return kept ? at + ENTRY_HEADER_LENGTH : -1;
    }

    private int find(final long requestId) {
        final byte[] buffer = ring.buffer();
        for (int i = 0, at = ring.first(), count = ring.count(); i < count; i++, at = ring.next(at)) {
            if ((long) LONG.get(buffer, RecordRing.payloadOffset(at) + ID_OFFSET) == requestId) {
                return at;
            }
        }
        return -1;
    }

    private long completedAt(final int at) {
        return (long) LONG.get(ring.buffer(), RecordRing.payloadOffset(at) + COMPLETED_AT_OFFSET);
    }

    private int responseLength(final int at) {
        return (int) INT.get(ring.buffer(), RecordRing.payloadOffset(at) + LENGTH_OFFSET);
    }

    private int inFlightIndex(final long requestId) {
        for (int i = 0; i < inFlightCount; i++) {
            if (inFlight[i] == requestId) {
                return i;
            }
        }
        return -1;
    }

    private void removeInFlight(final long requestId) {
        final int i = inFlightIndex(requestId);
        if (i >= 0) {
            inFlight[i] = inFlight[--inFlightCount];
            if (inFlightCount == 0 && inFlight.length > INITIAL_IN_FLIGHT) {
                // A burst grew the array; an idle session should not keep it.
                inFlight = null;
            }
        }
    }
}
