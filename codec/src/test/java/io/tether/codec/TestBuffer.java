package io.tether.codec;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A buffer an encoder may be handed, in each shape the engine can produce: heap or direct memory, wrapped whole or at
 * an offset into a larger region, or a raw address with no array or {@code ByteBuffer} behind it. It starts filled
 * with {@link #FILL} so a test can prove an encoder wrote nothing outside its range.
 */
record TestBuffer(UnsafeBuffer buffer, ByteBuffer memory) {
    static final byte FILL = (byte) 0xA5;

    /** Bytes in front of the wrapped window for the shapes wrapped at an offset. */
    private static final int WRAP_OFFSET = 13;

    enum Shape {
        HEAP,
        HEAP_WRAPPED_AT_OFFSET,
        DIRECT,
        DIRECT_WRAPPED_AT_OFFSET,
        ADDRESS;

        TestBuffer allocate(int capacity) {
            return switch (this) {
                case HEAP -> fill(new TestBuffer(new UnsafeBuffer(new byte[capacity]), null));
                case HEAP_WRAPPED_AT_OFFSET ->
                    fill(new TestBuffer(new UnsafeBuffer(new byte[WRAP_OFFSET + capacity + 3], WRAP_OFFSET, capacity),
                        null));
                case DIRECT -> {
                    final ByteBuffer memory = ByteBuffer.allocateDirect(capacity);
                    yield fill(new TestBuffer(new UnsafeBuffer(memory), memory));
                }
                case DIRECT_WRAPPED_AT_OFFSET -> {
                    final ByteBuffer memory = ByteBuffer.allocateDirect(WRAP_OFFSET + capacity + 3);
                    yield fill(new TestBuffer(new UnsafeBuffer(memory, WRAP_OFFSET, capacity), memory));
                }
                case ADDRESS -> {
                    // The record keeps the memory reachable; the buffer itself only knows the address.
                    final ByteBuffer memory = ByteBuffer.allocateDirect(capacity);
                    yield fill(new TestBuffer(new UnsafeBuffer(BufferUtil.address(memory), capacity), memory));
                }
            };
        }
    }

    private static TestBuffer fill(TestBuffer b) {
        b.buffer.setMemory(0, b.buffer.capacity(), FILL);
        return b;
    }

    byte[] bytes(int index, int length) {
        return bytes(buffer, index, length);
    }

    static byte[] bytes(DirectBuffer buffer, int index, int length) {
        final byte[] out = new byte[length];
        buffer.getBytes(index, out);
        return out;
    }

    /** True when no byte outside {@code [index, index + length)} was written. */
    boolean untouchedOutside(int index, int length) {
        final byte[] all = bytes(0, buffer.capacity());
        for (int i = 0; i < all.length; i++) {
            if ((i < index || i >= index + length) && all[i] != FILL) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "TestBuffer" + Arrays.toString(new int[] {buffer.capacity(), buffer.wrapAdjustment()});
    }
}
