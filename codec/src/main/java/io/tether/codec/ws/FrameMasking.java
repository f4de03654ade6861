package io.tether.codec.ws;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.agrona.MutableDirectBuffer;

/**
 * XOR masking of section 5.3. The key is an int holding the four key bytes in wire order, first
 * byte in the top bits; masking and unmasking are the same operation and run in place.
 */
final class FrameMasking {
    private FrameMasking() {
    }

    /** Reads the four key bytes at an absolute index, independent of the buffer's byte order. */
    static int readKey(final ByteBuffer buffer, final int index) {
        return (buffer.get(index) & 0xFF) << 24
            | (buffer.get(index + 1) & 0xFF) << 16
            | (buffer.get(index + 2) & 0xFF) << 8
            | (buffer.get(index + 3) & 0xFF);
    }

    /** XORs bytes [from, to) with the key, the key's first byte landing on {@code from}. */
    static void apply(final ByteBuffer buffer, final int from, final int to, final int key) {
        int i = from;
        if (to - from >= Long.BYTES) {
            long wide = (key & 0xFFFF_FFFFL) | ((long) key << 32);
            if (buffer.order() == ByteOrder.LITTLE_ENDIAN) {
                wide = Long.reverseBytes(wide);
            }
            for (; i + Long.BYTES <= to; i += Long.BYTES) {
                buffer.putLong(i, buffer.getLong(i) ^ wide);
            }
        }
        for (; i < to; i++) {
            final int shift = 24 - (((i - from) & 3) << 3);
            buffer.put(i, (byte) (buffer.get(i) ^ (key >>> shift)));
        }
    }

    /** The same on an Agrona buffer (how the encoder masks in place), eight bytes at a time read big-endian. */
    static void apply(final MutableDirectBuffer buffer, final int from, final int to, final int key) {
        final long wide = (key & 0xFFFF_FFFFL) | ((long) key << 32);
        int i = from;
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            buffer.putLong(i, buffer.getLong(i, ByteOrder.BIG_ENDIAN) ^ wide, ByteOrder.BIG_ENDIAN);
        }
        for (int k = i - from; i < to; i++, k++) {
            buffer.putByte(i, (byte) (buffer.getByte(i) ^ (key >>> (24 - ((k & 3) << 3)))));
        }
    }
}
