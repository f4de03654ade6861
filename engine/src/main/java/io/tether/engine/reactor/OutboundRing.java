package io.tether.engine.reactor;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The hand-off of outbound records from any thread to one event loop: an Agrona many-to-one ring over aligned
 * off-heap memory (Agrona's atomic operations need 8-byte alignment, which a byte[] cannot promise). Frames get here
 * through an {@link OutboundClaim}, which commits or aborts every record it claims; {@link Connection#signal} adds
 * the empty ones.
 *
 * <pre>
 * Record payload (after Agrona's 8-byte record header; msgTypeId says which kind):
 *   0                   4                   8
 *   +-------------------+-------------------+-----------------------------------+
 *   | connection slot   | connection stamp  | body                              |
 *   +-------------------+-------------------+-----------------------------------+
 *   FRAME: body is the frame, transport framing included: appended to the connection as is.
 *   SIGNAL: no body; the loop calls the connection's handler ({@link ConnectionHandler#onSignal}), which
 *           knows what to do (the server writes the session's new pushes from its outbox).
 *   An aborted record is Agrona padding, which the loop skips.
 * </pre>
 *
 * The stamp is the one the connection's loop gave it when it registered, new for each registration: a record for a
 * connection that closed, and whose slot was reused, does not match the new occupant's and is dropped.
 */
public final class OutboundRing {
    public static final int FRAME = 1;
    public static final int SIGNAL = 2;
    static final int SLOT_OFFSET = 0;
    static final int STAMP_OFFSET = 4;
    static final int BODY_OFFSET = 8;

    private final ManyToOneRingBuffer ring;
    private final UnsafeBuffer buffer;

    OutboundRing(int capacity) {
        this.buffer = new UnsafeBuffer(
            BufferUtil.allocateDirectAligned(capacity + RingBufferDescriptor.TRAILER_LENGTH, 64));
        this.ring = new ManyToOneRingBuffer(buffer);
    }

    /** Largest body one record can carry; larger frames travel through the loop's command queue instead. */
    public int maxBodyLength() {
        return ring.maxMsgLength() - BODY_OFFSET;
    }

    /**
     * Claims space for a record of {@code bodyLength} bytes addressed to {@code connection}, spinning while the ring
     * is full (the loop is draining it). Returns the index where the body goes; finish with {@link #commit}.
     */
    public int claim(int type, Connection connection, int bodyLength) {
        int index;
        int spins = 0;
        while ((index = ring.tryClaim(type, BODY_OFFSET + bodyLength)) < 0) {
            connection.loop().wakeup();
            if (++spins < 64) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        address(index, connection);
        return index + BODY_OFFSET;
    }

    /** Like {@link #claim}, but returns -1 instead of waiting when the ring is full (for event-loop callers). */
    public int tryClaim(int type, Connection connection, int bodyLength) {
        final int index = ring.tryClaim(type, BODY_OFFSET + bodyLength);
        if (index < 0) {
            return -1;
        }
        address(index, connection);
        return index + BODY_OFFSET;
    }

    /** Writes the record's address; the stamp is read first, so it is never newer than the slot read after it. */
    private void address(int index, Connection connection) {
        final int stamp = connection.stamp();
        buffer.putInt(index + STAMP_OFFSET, stamp);
        buffer.putInt(index + SLOT_OFFSET, connection.slot());
    }

    public void commit(int bodyIndex) {
        ring.commit(bodyIndex - BODY_OFFSET);
    }

    /** Gives a claimed record back: it becomes padding, which the loop skips, so the records after it still flow. */
    public void abort(int bodyIndex) {
        ring.abort(bodyIndex - BODY_OFFSET);
    }

    public UnsafeBuffer buffer() {
        return buffer;
    }

    ManyToOneRingBuffer ring() {
        return ring;
    }

    boolean isEmpty() {
        return ring.size() == 0;
    }
}
