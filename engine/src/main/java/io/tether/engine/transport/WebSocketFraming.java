package io.tether.engine.transport;

import io.tether.codec.ws.WebSocketFrameDescriptor;
import java.util.concurrent.ThreadLocalRandom;
import org.agrona.MutableDirectBuffer;

/**
 * WebSocket frame headers (RFC 6455 section 5.2) written straight into an outbound buffer. A server's frames are
 * unmasked; a client's carry a fresh random masking key and are masked in {@link #seal}.
 */
final class WebSocketFraming implements Framing {
    static final WebSocketFraming SERVER_BINARY = new WebSocketFraming(false, WebSocketFrameDescriptor.OPCODE_BINARY);
    static final WebSocketFraming CLIENT_BINARY = new WebSocketFraming(true, WebSocketFrameDescriptor.OPCODE_BINARY);

    private final boolean masked;
    private final int opcode;

    WebSocketFraming(boolean masked, int opcode) {
        this.masked = masked;
        this.opcode = opcode;
    }

    @Override
    public int headerLength(int bodyLength) {
        return WebSocketFrameDescriptor.headerLength(bodyLength, masked);
    }

    @Override
    public int putHeader(MutableDirectBuffer buffer, int index, int bodyLength) {
        return putHeader(buffer, index, opcode, bodyLength);
    }

    int putHeader(MutableDirectBuffer buffer, int index, int frameOpcode, int bodyLength) {
        buffer.putByte(index, (byte) (WebSocketFrameDescriptor.FIN_BIT | frameOpcode));
        final int maskBit = masked ? WebSocketFrameDescriptor.MASK_BIT : 0;
        int i = index + 2;
        if (bodyLength <= WebSocketFrameDescriptor.MAX_CONTROL_PAYLOAD) {
            buffer.putByte(index + 1, (byte) (maskBit | bodyLength));
        } else if (bodyLength <= 0xFFFF) {
            buffer.putByte(index + 1, (byte) (maskBit | WebSocketFrameDescriptor.LENGTH_16));
            buffer.putByte(i++, (byte) (bodyLength >>> 8));
            buffer.putByte(i++, (byte) bodyLength);
        } else {
            buffer.putByte(index + 1, (byte) (maskBit | WebSocketFrameDescriptor.LENGTH_64));
            for (int shift = 56; shift >= 0; shift -= 8) {
                buffer.putByte(i++, (byte) ((long) bodyLength >>> shift));
            }
        }
        if (masked) {
            buffer.putInt(i, ThreadLocalRandom.current().nextInt());
            i += 4;
        }
        return i - index;
    }

    @Override
    public void seal(MutableDirectBuffer buffer, int bodyIndex, int bodyLength) {
        if (!masked) {
            return;
        }
        final int keyIndex = bodyIndex - 4;
        for (int k = 0; k < bodyLength; k++) {
            final byte key = buffer.getByte(keyIndex + (k & 3));
            buffer.putByte(bodyIndex + k, (byte) (buffer.getByte(bodyIndex + k) ^ key));
        }
    }
}
