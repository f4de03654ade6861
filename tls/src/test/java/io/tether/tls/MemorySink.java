package io.tether.tls;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/** A socket in memory: keeps what is written; can be made to take only so many bytes, like a full socket. */
final class MemorySink implements NetworkSink {
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private long budget = Long.MAX_VALUE;

    @Override
    public int write(final ByteBuffer encrypted) {
        final int count = (int)Math.min(encrypted.remaining(), budget);
        final byte[] bytes = new byte[count];
        encrypted.get(bytes);
        written.writeBytes(bytes);
        budget -= count;
        return count;
    }

    /** From now on the socket takes at most {@code bytes} more (Long.MAX_VALUE: no limit). */
    void limit(final long bytes) {
        budget = bytes;
    }

    /** @return the bytes written since the last call. */
    byte[] take() {
        final byte[] bytes = written.toByteArray();
        written.reset();
        return bytes;
    }
}
