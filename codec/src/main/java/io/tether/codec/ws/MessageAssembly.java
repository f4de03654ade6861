package io.tether.codec.ws;

import java.nio.ByteBuffer;

/**
 * Collects the fragments of one message. It holds a buffer only while a fragmented message is in
 * progress, so an idle connection owns none; it grows by doubling and never past the message limit
 * the decoder already enforced from frame headers.
 */
final class MessageAssembly {
    private static final int MIN_CAPACITY = 256;

    private final int maxMessageSize;
    private ByteBuffer buffer;

    MessageAssembly(final int maxMessageSize) {
        this.maxMessageSize = maxMessageSize;
    }

    /** Appends bytes [from, to) of the source without moving its position. */
    void append(final ByteBuffer source, final int from, final int to) {
        final int length = to - from;
        ensureRoom(length);
        buffer.put(buffer.position(), source, from, length);
        buffer.position(buffer.position() + length);
    }

    /** The message so far, flipped for reading. */
    ByteBuffer flip() {
        if (buffer == null) {
            return ByteBuffer.allocate(0);
        }
        return buffer.flip();
    }

    /** Drops the buffer: the next fragmented message starts a fresh one. */
    void release() {
        buffer = null;
    }

    boolean holdsBuffer() {
        return buffer != null;
    }

    private void ensureRoom(final int length) {
        final int needed = (buffer == null ? 0 : buffer.position()) + length;
        if (buffer != null && needed <= buffer.capacity()) {
            return;
        }
        int capacity = buffer == null ? MIN_CAPACITY : buffer.capacity();
        while (capacity < needed) {
            capacity = capacity > maxMessageSize / 2 ? maxMessageSize : capacity * 2;
        }
        capacity = Math.min(Math.max(capacity, needed), maxMessageSize);
        final ByteBuffer grown = ByteBuffer.allocate(capacity);
        if (buffer != null) {
            grown.put(buffer.flip());
        }
        buffer = grown;
    }
}
