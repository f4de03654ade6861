package io.tether.tls;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The network and application buffers the TLS pumps of one event loop borrow for the length of a
 * pump call. Owned by that loop and never touched by another thread, so it takes no locks.
 * <p>
 * This is what lets an idle TLS connection own no buffer of its own: 100k connections share the
 * handful of buffers their loop needs at once. A pump call usually borrows one buffer of each
 * kind; a callback that writes to another connection borrows more, so the pool hands out as many
 * as are asked for and keeps at most {@code maxPooled} of each kind.
 * <p>
 * Buffers are heap buffers: SunJSSE and BouncyCastle both encrypt through arrays, and a direct
 * buffer would only add a copy.
 */
public final class TlsBuffers {
    /** A TLS record carries at most 16 KiB of plaintext; four of them per buffer cork small writes. */
    static final int DEFAULT_CAPACITY = 4 * 16_384 + 4 * 2_048;
    static final int DEFAULT_MAX_POOLED = 8;
    /** What one socket read takes at most: as much as the loop's other read buffers. */
    static final int READ_CAPACITY = 64 * 1024;

    private final ArrayDeque<ByteBuffer> network = new ArrayDeque<>();
    private final ArrayDeque<ByteBuffer> application = new ArrayDeque<>();
    private final ByteBuffer[] single = new ByteBuffer[1];
    private ByteBuffer read;
    private final int maxPooled;
    private int networkCapacity;
    private int applicationCapacity;
    private int packetSize = 16_709;
    private int recordPlaintextSize = 16_384;
    private int outstanding;

    public TlsBuffers() {
        this(DEFAULT_CAPACITY, DEFAULT_MAX_POOLED);
    }

    /**
     * @param capacity  bytes in each buffer, at least two records' worth once engines have said
     *                  how large their records are.
     * @param maxPooled free buffers of each kind kept for reuse.
     */
    public TlsBuffers(final int capacity, final int maxPooled) {
        this.networkCapacity = capacity;
        this.applicationCapacity = capacity;
        this.maxPooled = maxPooled;
    }

    /**
     * Makes the buffers large enough for an engine's records. Sizes only grow: a provider that
     * asks for more once gets it from then on.
     *
     * @param packetBufferSize      {@code SSLSession.getPacketBufferSize()}.
     * @param applicationBufferSize {@code SSLSession.getApplicationBufferSize()}.
     */
    void accommodate(final int packetBufferSize, final int applicationBufferSize) {
        packetSize = Math.max(packetSize, packetBufferSize);
        recordPlaintextSize = Math.max(recordPlaintextSize, applicationBufferSize);
        networkCapacity = Math.max(networkCapacity, 2 * packetSize);
        applicationCapacity = Math.max(applicationCapacity, 2 * recordPlaintextSize);
    }

    /** @return the room a wrap needs in its output buffer: one whole record. */
    int packetSize() {
        return packetSize;
    }

    /** @return the room an unwrap needs in its output buffer: one record's plaintext. */
    int recordPlaintextSize() {
        return recordPlaintextSize;
    }

    /**
     * @return the loop's buffer for reading encrypted bytes from a socket, cleared; valid until the
     * next call. A heap buffer: SunJSSE decrypts a record in place in the buffer it is given, and
     * SunJCE's AES-GCM runs on arrays directly but on a direct buffer only through copies, 768
     * bytes at a time.
     */
    public ByteBuffer readBuffer() {
        if (read == null) {
            read = ByteBuffer.allocate(READ_CAPACITY);
        }
        return read.clear();
    }

    /** @return an empty buffer for encrypted bytes, to be given back with {@link #release}. */
    ByteBuffer acquireNetwork() {
        outstanding++;
        return take(network, networkCapacity);
    }

    /** @return an empty buffer for plaintext, to be given back with {@link #release}. */
    ByteBuffer acquireApplication() {
        outstanding++;
        return take(application, applicationCapacity);
    }

    /** Gives back a buffer from {@link #acquireNetwork} ({@code network}) or {@link #acquireApplication}. */
    void release(final ByteBuffer buffer, final boolean isNetwork) {
        outstanding--;
        final ArrayDeque<ByteBuffer> pool = isNetwork ? network : application;
        final int capacity = isNetwork ? networkCapacity : applicationCapacity;
        // A buffer smaller than the current size predates a grow: let it go.
        if (pool.size() < maxPooled && buffer.capacity() >= capacity) {
            pool.push(buffer.clear());
        }
    }

    /** @return a one-slot array for wrapping a single buffer without allocating; contents are cleared after use. */
    ByteBuffer[] single(final ByteBuffer buffer) {
        single[0] = buffer;
        return single;
    }

    void clearSingle() {
        single[0] = null;
    }

    /** @return buffers handed out and not yet given back: zero whenever no pump call is running. */
    public int outstanding() {
        return outstanding;
    }

    private static ByteBuffer take(final ArrayDeque<ByteBuffer> pool, final int capacity) {
        while (!pool.isEmpty()) {
            final ByteBuffer buffer = pool.pop();
            if (buffer.capacity() >= capacity) {
                return buffer;
            }
        }
        return ByteBuffer.allocate(capacity);
    }
}
