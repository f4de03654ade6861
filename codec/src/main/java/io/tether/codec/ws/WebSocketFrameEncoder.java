package io.tether.codec.ws;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntSupplier;

import static io.tether.codec.ws.WebSocketFrameDescriptor.FIN_BIT;
import static io.tether.codec.ws.WebSocketFrameDescriptor.LENGTH_16;
import static io.tether.codec.ws.WebSocketFrameDescriptor.LENGTH_64;
import static io.tether.codec.ws.WebSocketFrameDescriptor.MASK_BIT;
import static io.tether.codec.ws.WebSocketFrameDescriptor.MASK_KEY_LENGTH;
import static io.tether.codec.ws.WebSocketFrameDescriptor.MAX_CONTROL_PAYLOAD;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_CLOSE;

/**
 * Writes RFC 6455 frames. A server encoder writes unmasked frames; a client encoder masks every
 * frame with a fresh 4-byte key (section 5.3), by default from {@link ThreadLocalRandom}, which
 * is fast and, unlike a shared generator, never contended.
 *
 * <p>Two ways to use it. {@link #writeFrame} copies a payload after the header (masking while it
 * copies). For encoding straight into an outbound buffer: reserve {@link #frameLength} bytes, call
 * {@link #writeHeader}, write the payload right after it, then call {@link #maskPayload}, which is
 * a no-op for a server and masks in place with the key the header carries for a client.
 *
 * <p>Stateless apart from the key source, so one encoder may serve every connection of a loop.
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

    /** Header plus payload: what to reserve before {@link #writeHeader}. */
    public int frameLength(final int payloadLength) {
        return headerLength(payloadLength) + payloadLength;
    }

    /**
     * Writes a frame header at the buffer's position and advances past it.
     *
     * @param opcode one of the {@code OPCODE_*} constants of {@link WebSocketFrameDescriptor}
     * @param fin    false for every fragment of a message but the last; control frames need true
     * @return the header length
     * @throws BufferOverflowException when the whole frame would not fit; nothing is written then
     */
    public int writeHeader(final ByteBuffer out, final int opcode, final boolean fin, final int payloadLength) {
        checkFrame(opcode, fin, payloadLength);
        final int headerLength = headerLength(payloadLength);
        if (out.remaining() < headerLength + payloadLength) {
            throw new BufferOverflowException();
        }
        final int index = out.position();
        out.put(index, (byte) ((fin ? FIN_BIT : 0) | opcode));
        final int maskBit = masks ? MASK_BIT : 0;
        int cursor = index + 2;
        if (payloadLength <= MAX_CONTROL_PAYLOAD) {
            out.put(index + 1, (byte) (maskBit | payloadLength));
        } else if (payloadLength <= 0xFFFF) {
            out.put(index + 1, (byte) (maskBit | LENGTH_16));
            out.put(cursor++, (byte) (payloadLength >>> 8));
            out.put(cursor++, (byte) payloadLength);
        } else {
            out.put(index + 1, (byte) (maskBit | LENGTH_64));
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.put(cursor++, (byte) ((long) payloadLength >>> shift));
            }
        }
        if (masks) {
            FrameMasking.writeKey(out, cursor, maskKeys.getAsInt());
        }
        out.position(index + headerLength);
        return headerLength;
    }

    /**
     * Masks a payload written right after its header by {@link #writeHeader}; a no-op for a server.
     *
     * @param payloadStart absolute index of the payload's first byte
     */
    public void maskPayload(final ByteBuffer buffer, final int payloadStart, final int payloadLength) {
        if (masks) {
            final int key = FrameMasking.readKey(buffer, payloadStart - MASK_KEY_LENGTH);
            FrameMasking.apply(buffer, payloadStart, payloadStart + payloadLength, key);
        }
    }

    /**
     * Writes a whole frame: header, then the payload's remaining bytes (masked for a client).
     * Consumes the payload.
     *
     * @return the number of bytes written
     */
    public int writeFrame(final ByteBuffer out, final int opcode, final boolean fin, final ByteBuffer payload) {
        final int length = payload.remaining();
        final int start = out.position();
        writeHeader(out, opcode, fin, length);
        final int payloadStart = out.position();
        out.put(payload);
        maskPayload(out, payloadStart, length);
        return out.position() - start;
    }

    /**
     * Writes a close frame with a code and a reason truncated to fit (see {@link ClosePayload}).
     *
     * @return the number of bytes written
     */
    public int writeClose(final ByteBuffer out, final int code, final CharSequence reason) {
        final int payloadLength = ClosePayload.length(reason);
        final int start = out.position();
        writeHeader(out, OPCODE_CLOSE, true, payloadLength);
        final int payloadStart = out.position();
        ClosePayload.write(out, code, reason);
        maskPayload(out, payloadStart, payloadLength);
        return out.position() - start;
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
