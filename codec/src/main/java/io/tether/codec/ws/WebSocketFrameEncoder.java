package io.tether.codec.ws;

import java.nio.BufferOverflowException;
import java.nio.ByteOrder;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntSupplier;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static io.tether.codec.ws.WebSocketFrameDescriptor.FIN_BIT;
import static io.tether.codec.ws.WebSocketFrameDescriptor.LENGTH_16;
import static io.tether.codec.ws.WebSocketFrameDescriptor.LENGTH_64;
import static io.tether.codec.ws.WebSocketFrameDescriptor.MASK_BIT;
import static io.tether.codec.ws.WebSocketFrameDescriptor.MASK_KEY_LENGTH;
import static io.tether.codec.ws.WebSocketFrameDescriptor.MAX_CONTROL_PAYLOAD;

/**
 * Writes RFC 6455 frames into Agrona buffers, at an index, the way the engine writes every outbound frame. A server
 * encoder writes unmasked frames; a client encoder masks every frame with a fresh 4-byte key (section 5.3), by
 * default from {@link ThreadLocalRandom}, which is fast and, unlike a shared generator, never contended.
 *
 * <p>Two ways to use it. {@link #putFrame} copies a payload after the header (then masks it). For encoding straight
 * into an outbound buffer: reserve {@link #frameLength} bytes, call {@link #putHeader}, write the payload right
 * after it, then call {@link #maskPayload}, which is a no-op for a server and masks in place with the key the header
 * carries for a client.
 *
 * <p>Stateless apart from the key source, so one encoder may serve every connection of every loop.
 */
public final class WebSocketFrameEncoder {
    private final boolean masks;
    private final IntSupplier maskKeys;

    private WebSocketFrameEncoder(final boolean masks, final IntSupplier maskKeys) {
        this.masks = masks;
        this.maskKeys = maskKeys;
    }

    public static WebSocketFrameEncoder forServer() {
        return new WebSocketFrameEncoder(false, () -> 0);
    }

    public static WebSocketFrameEncoder forClient() {
        return new WebSocketFrameEncoder(true, () -> ThreadLocalRandom.current().nextInt());
    }

    /** A client encoder drawing keys from the given source (tests use a fixed one). */
    public static WebSocketFrameEncoder forClient(final IntSupplier maskKeys) {
        return new WebSocketFrameEncoder(true, maskKeys);
    }

    public static WebSocketFrameEncoder forRole(final WebSocketRole role) {
        return role == WebSocketRole.CLIENT ? forClient() : forServer();
    }

    public int headerLength(final int payloadLength) {
        return WebSocketFrameDescriptor.headerLength(payloadLength, masks);
    }

    /** Header plus payload: what to reserve before {@link #putHeader}. */
    public int frameLength(final int payloadLength) {
        return headerLength(payloadLength) + payloadLength;
    }

    /**
     * Writes a frame header at {@code index}.
     *
     * @param opcode one of the {@code OPCODE_*} constants of {@link WebSocketFrameDescriptor}
     * @param fin    false for every fragment of a message but the last; control frames need true
     * @return the header length; the payload goes right after it
     * @throws BufferOverflowException when the whole frame would not fit; nothing is written then
     */
    public int putHeader(final MutableDirectBuffer buffer, final int index, final int opcode, final boolean fin,
                         final int payloadLength) {
        checkFrame(opcode, fin, payloadLength);
        final int headerLength = headerLength(payloadLength);
        if (index < 0 || payloadLength > buffer.capacity() - index - headerLength) {
            throw new BufferOverflowException();
        }
        buffer.putByte(index, (byte) ((fin ? FIN_BIT : 0) | opcode));
        final int maskBit = masks ? MASK_BIT : 0;
        int cursor = index + 2;
        if (payloadLength <= MAX_CONTROL_PAYLOAD) {
            buffer.putByte(index + 1, (byte) (maskBit | payloadLength));
        } else if (payloadLength <= 0xFFFF) {
            buffer.putByte(index + 1, (byte) (maskBit | LENGTH_16));
            buffer.putShort(cursor, (short) payloadLength, ByteOrder.BIG_ENDIAN);
            cursor += Short.BYTES;
        } else {
            buffer.putByte(index + 1, (byte) (maskBit | LENGTH_64));
            buffer.putLong(cursor, payloadLength, ByteOrder.BIG_ENDIAN);
            cursor += Long.BYTES;
        }
        if (masks) {
            buffer.putInt(cursor, maskKeys.getAsInt(), ByteOrder.BIG_ENDIAN);
        }
        return headerLength;
    }

    /**
     * Masks a payload written right after its header by {@link #putHeader}; a no-op for a server.
     *
     * @param payloadIndex index of the payload's first byte
     */
    public void maskPayload(final MutableDirectBuffer buffer, final int payloadIndex, final int payloadLength) {
        if (masks) {
            final int key = buffer.getInt(payloadIndex - MASK_KEY_LENGTH, ByteOrder.BIG_ENDIAN);
            FrameMasking.apply(buffer, payloadIndex, payloadIndex + payloadLength, key);
        }
    }

    /**
     * Writes a whole frame at {@code index}: the header, then {@code payloadLength} bytes of {@code payload} from
     * {@code payloadIndex} (masked for a client).
     *
     * @return the number of bytes written
     */
    public int putFrame(final MutableDirectBuffer buffer, final int index, final int opcode, final boolean fin,
                        final DirectBuffer payload, final int payloadIndex, final int payloadLength) {
        final int at = index + putHeader(buffer, index, opcode, fin, payloadLength);
        buffer.putBytes(at, payload, payloadIndex, payloadLength);
        maskPayload(buffer, at, payloadLength);
        return at + payloadLength - index;
    }

    private static void checkFrame(final int opcode, final boolean fin, final int payloadLength) {
        if (!WebSocketFrameDescriptor.isKnown(opcode)) {
            throw new IllegalArgumentException("not a frame opcode: " + opcode);
        }
        if (payloadLength < 0) {
            throw new IllegalArgumentException("negative payload length: " + payloadLength);
        }
        if (WebSocketFrameDescriptor.isControl(opcode) && (!fin || payloadLength > MAX_CONTROL_PAYLOAD)) {
            throw new IllegalArgumentException("control frames are unfragmented and carry at most 125 bytes");
        }
    }
}
