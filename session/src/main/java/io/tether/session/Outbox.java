package io.tether.session;

import java.util.Objects;
import org.agrona.DirectBuffer;

/**
 * The pushes of one session that the client has not acknowledged yet, kept so they can be sent
 * again when the client resumes after a reconnect, and bounded by bytes
 * ({@code --session-outbox-bytes}).
 * <p>
 * Every push gets the next per-session sequence number, starting at 1: the engine asks for
 * {@link #nextSeq()}, encodes the push with it, and {@link #append appends} the encoded bytes.
 * {@link #ack} releases everything up to the client's acknowledged seq. When a push does not fit,
 * the oldest unacknowledged pushes are dropped to make room and the outbox remembers the highest
 * seq it lost: a client resuming from before that seq would miss data, so
 * {@link #canResumeFrom} says no and the engine answers {@code Welcome{resumed=false}}.
 * <p>
 * On a resume with {@code Hello{last_push_seq}} the engine calls, in order:
 * <pre>{@code
 * if (outbox.canResumeFrom(lastPushSeq)) {
 *     outbox.ack(lastPushSeq);                  // the client has those
 *     outbox.replayAfter(lastPushSeq, sender);  // and gets the rest again, in order
 * }
 * }</pre>
 * Memory: an empty outbox is a handful of fields; the pushes live in one {@code byte[]} ring
 * (4 bytes of header each), allocated on the first push, grown by doubling to at most
 * {@code maxBytes}, and released once everything is acknowledged.
 * <p>
 * Not thread-safe: an outbox is owned by the event loop of its session, which alone calls it.
 */
public final class Outbox {

    /** Bytes each retained push costs on top of its encoded length. */
    public static final int RECORD_OVERHEAD = RecordRing.HEADER_LENGTH;

    /** Size of the ring allocated for the first push: a few small pushes fit before it grows. */
    private static final int INITIAL_CAPACITY = 256;

    /** Receives replayed pushes. The slice is only valid during the call and must not be changed. */
    @FunctionalInterface
    public interface PushConsumer {
        void onPush(long seq, byte[] buffer, int offset, int length);
    }

    private final RecordRing ring;
    private long firstSeq = 1;
    private long nextSeq = 1;
    private long lostThroughSeq;
    private long droppedPushes;

    /**
     * @param maxBytes the most bytes the retained pushes may take, {@link #RECORD_OVERHEAD} each
     *                 included; also the largest the backing array ever grows
     */
    public Outbox(final int maxBytes) {
        this.ring = new RecordRing(maxBytes, Math.min(maxBytes, INITIAL_CAPACITY));
    }

    /**
     * Changes the bound to {@code maxBytes} (a live {@code --session-outbox-bytes} change): the next push is held to
     * it, the oldest unacknowledged pushes dropped as for any full outbox.
     */
    public void limit(final int maxBytes) {
        ring.maxCapacity(maxBytes);
    }

    /** The seq the next appended push must carry. */
    public long nextSeq() {
        return nextSeq;
    }

    /** The seq of the oldest retained push; {@link #nextSeq()} when none is retained. */
    public long firstSeq() {
        return firstSeq;
    }

    /**
     * Makes this new, empty outbox go on with another one's numbering (a session handed over from another node): the
     * next push appended is {@code firstSeq}, and a client that lost pushes up to {@code lostThroughSeq} stays unable
     * to resume from before them.
     *
     * @throws IllegalStateException if a push was appended already
     */
    public void continueFrom(final long firstSeq, final long lostThroughSeq) {
        if (nextSeq != 1 || ring.count() > 0) {
            throw new IllegalStateException("the outbox has pushes already");
        }
        if (firstSeq < 1 || lostThroughSeq < 0 || lostThroughSeq >= firstSeq) {
            throw new IllegalArgumentException("bad numbering: first " + firstSeq + ", lost through " + lostThroughSeq);
        }
        this.firstSeq = firstSeq;
        this.nextSeq = firstSeq;
        this.lostThroughSeq = lostThroughSeq;
    }

    /** The seq of the last push appended, 0 before the first. */
    public long lastSeq() {
        return nextSeq - 1;
    }

    /**
     * Retains the encoded push {@code seq}, dropping the oldest unacknowledged pushes if it does not
     * fit otherwise.
     *
     * @return false if the push alone is larger than the bound: it is counted as lost, with every
     *         push before it, and never replayed
     * @throws IllegalArgumentException if {@code seq} is not {@link #nextSeq()}
     */
    public boolean append(final long seq, final byte[] src, final int offset, final int length) {
        Objects.checkFromIndexSize(offset, length, src.length);
        final int at = claim(seq, length);
        if (at >= 0) {
            System.arraycopy(src, offset, ring.buffer(), at, length);
        }
        return at >= 0;
    }

    /**
     * Reserves room for the encoded push {@code seq} of {@code length} bytes, which the caller then writes into
     * {@link #buffer()} at the returned offset (before any other call), so a push is encoded once, in place.
     *
     * @return the offset to write at, or -1 if the push alone is larger than the bound (then it is lost, as in
     *         {@link #append(long, byte[], int, int)})
     * @throws IllegalArgumentException if {@code seq} is not {@link #nextSeq()}
     */
    public int appendInPlace(final long seq, final int length) {
        return claim(seq, length);
    }

    /** Whether a push of {@code length} encoded bytes can be kept at all (else {@link #append} loses it). */
    public boolean fits(final int length) {
        return ring.canHold(length);
    }

    /** The backing array, for {@link #appendInPlace}; it changes when the outbox grows or empties. */
    public byte[] buffer() {
        return ring.buffer();
    }

    /** As {@link #append(long, byte[], int, int)}, copying from an Agrona buffer (heap or direct). */
    public boolean append(final long seq, final DirectBuffer src, final int offset, final int length) {
        src.boundsCheck(offset, length);
        final int at = claim(seq, length);
        if (at >= 0) {
            src.getBytes(offset, ring.buffer(), at, length);
        }
        return at >= 0;
    }

    /**
     * Releases every push up to and including {@code seq}. Acks are cumulative, so an old or repeated
     * ack releases nothing; an ack of a seq never sent is a client error and is ignored too.
     *
     * @return how many pushes were released
     */
    public int ack(final long seq) {
        if (seq >= nextSeq) {
            return 0;
        }
        int released = 0;
        while (firstSeq <= seq) {
            ring.removeFirst();
            firstSeq++;
            released++;
        }
        ring.release();
        return released;
    }

    /**
     * Whether a client that has every push up to {@code lastSeq} can be given all the ones after it.
     * False if some of them were dropped (overflow) or released (the client acked past
     * {@code lastSeq} before, so it is not the client it claims to be), or if {@code lastSeq} was never
     * sent. A negative value, a {@code uint64} beyond {@code Long.MAX_VALUE}, is never resumable.
     */
    public boolean canResumeFrom(final long lastSeq) {
        return lastSeq >= firstSeq - 1 && lastSeq < nextSeq;
    }

    /**
     * Hands every retained push with a seq above {@code lastSeq} to {@code consumer}, oldest first.
     * They stay retained until acknowledged. The consumer must not call back into this outbox.
     *
     * @return how many pushes were handed over
     */
    public int replayAfter(final long lastSeq, final PushConsumer consumer) {
        final byte[] buffer = ring.buffer();
        final int count = ring.count();
        int replayed = 0;
        long seq = firstSeq;
        for (int i = 0, at = ring.first(); i < count; i++, seq++, at = ring.next(at)) {
            if (seq > lastSeq) {
                consumer.onPush(seq, buffer, RecordRing.payloadOffset(at), ring.length(at));
                replayed++;
            }
        }
        return replayed;
    }

    /** Whether any push was ever dropped before it was acknowledged. */
    public boolean overflowed() {
        return lostThroughSeq > 0;
    }

    /** The highest seq dropped before it was acknowledged, 0 if none. */
    public long lostThroughSeq() {
        return lostThroughSeq;
    }

    /** How many pushes were dropped before they were acknowledged, over the outbox's life. */
    public long droppedPushes() {
        return droppedPushes;
    }

    /** How many pushes are retained. */
    public int retainedCount() {
        return ring.count();
    }

    /** Bytes the retained pushes take, {@link #RECORD_OVERHEAD} each included. */
    public int retainedBytes() {
        return ring.recordBytes();
    }

    /** Size of the backing array: 0 while nothing is retained. */
    public int capacity() {
        return ring.capacity();
    }

    private int claim(final long seq, final int length) {
        if (seq != nextSeq) {
            throw new IllegalArgumentException("push seq " + seq + " is out of order, expected " + nextSeq);
        }
        nextSeq++;
        if (!ring.canHold(length)) {
            while (ring.count() > 0) {
                dropOldest();
            }
            lostThroughSeq = seq;
            droppedPushes++;
            firstSeq = nextSeq;
            ring.release();
            return -1;
        }
        int at;
        while ((at = ring.tryClaim(length)) < 0) {
            dropOldest();
        }
        return at;
    }

    private void dropOldest() {
        ring.removeFirst();
        lostThroughSeq = firstSeq;
        firstSeq++;
        droppedPushes++;
    }
}
