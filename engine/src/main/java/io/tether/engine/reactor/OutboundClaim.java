package io.tether.engine.reactor;

import io.tether.telemetry.Metric;
import java.nio.ByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Space for one outbound record of a connection: {@link #claim} it, write {@link #length()} bytes into
 * {@link #buffer()} from {@link #offset()} on, then {@link #commit()} or {@link #abort()}, exactly once. Where the
 * bytes go depends on the calling thread, and the writer never needs to know:
 * <ul>
 *   <li><b>the connection's own loop</b>: straight into the connection's outbound chunk. The loop owns one claim and
 *       lends it to every write it makes, so this path allocates nothing.</li>
 *   <li><b>any other thread</b>: a record in the loop's {@link OutboundRing} (Agrona's tryClaim, commit, abort).
 *       A virtual or platform thread spins while the ring is full, as the loop is draining it; another event loop
 *       never waits on a peer's ring.</li>
 *   <li><b>the heap</b>: a {@code byte[]} handed to the loop through {@link EventLoop#execute}, for a record larger
 *       than a ring record may be, or from a peer loop that found the ring full.</li>
 * </ul>
 *
 * <p>Commit or abort is Agrona's contract (Aeron wraps it in {@code BufferClaim} for the same reason): a ring record
 * claimed and never committed holds every later record of that loop, for every connection on it, behind it for
 * good. So use a claim in try-with-resources: {@link #close()} aborts it unless it was committed. An aborted ring
 * record becomes padding the loop skips; an aborted chunk claim leaves the queue as it was.
 *
 * <p>The bytes count in the connection's {@code pendingBytes} when the claim commits, before the loop can see them
 * (producers count what they hand over before they hand it over). A committed record counts as one frame out when
 * it reaches the connection's queue.
 *
 * <p>A claim belongs to the thread that made it. A loop's own claim cannot be nested: one write at a time.
 */
public final class OutboundClaim implements AutoCloseable {
    private static final int IDLE = 0;
    private static final int CHUNK = 1;
    private static final int RING = 2;
    private static final int HEAP = 3;
    private static final byte[] NO_BYTES = new byte[0];

    /** The loop whose thread makes all its claims with this instance; null for a claim made on another thread. */
    private final EventLoop owner;
    /** The flyweight over a chunk or a heap array (the ring has its own). */
    private UnsafeBuffer view;
    private int mode = IDLE;
    private Connection connection;
    private MutableDirectBuffer buffer;
    private int offset;
    private int length;
    private ByteBuffer chunk;
    private byte[] heap;

    OutboundClaim(EventLoop owner) {
        this.owner = owner;
        this.view = owner == null ? null : new UnsafeBuffer(NO_BYTES);
    }

    /**
     * Claims {@code length} bytes at the end of {@code connection}'s outbound queue, from any thread. A virtual or
     * platform thread may spin while the loop's ring is full; an event loop never waits.
     *
     * @throws IllegalStateException on an event loop whose claim is still open (claims do not nest)
     */
    public static OutboundClaim claim(Connection connection, int length) {
        if (Thread.currentThread() instanceof EventLoopThread thread) {
            return thread.loop().claim().open(connection, length);
        }
        return new OutboundClaim(null).open(connection, length);
    }

    private OutboundClaim open(Connection c, int bytes) {
        if (mode != IDLE) {
            throw new IllegalStateException("a claim is open already on " + owner + ": commit or abort it first");
        }
        connection = c;
        length = bytes;
        if (c.loop() == owner) {
            chunk = c.reserve(bytes);
            view.wrap(chunk);
            buffer = view;
            offset = chunk.position();
            mode = CHUNK;
            return this;
        }
        final OutboundRing ring = c.loop().outboundRing();
        if (bytes <= ring.maxBodyLength()) {
            // Another event loop must never wait on this one: a full ring sends it to the heap instead.
            final int index = owner != null ? ring.tryClaim(OutboundRing.FRAME, c, bytes)
                : ring.claim(OutboundRing.FRAME, c, bytes);
            if (index >= 0) {
                buffer = ring.buffer();
                offset = index;
                mode = RING;
                return this;
            }
        }
        heap = new byte[bytes];
        if (view == null) {
            view = new UnsafeBuffer(heap);
        } else {
            view.wrap(heap);
        }
        buffer = view;
        offset = 0;
        mode = HEAP;
        return this;
    }

    /** The connection the claim is for. */
    public Connection connection() {
        return connection;
    }

    /** Where to write: the connection's chunk, the loop's ring or a heap array. */
    public MutableDirectBuffer buffer() {
        return buffer;
    }

    /** The index in {@link #buffer()} of the claim's first byte. */
    public int offset() {
        return offset;
    }

    /** How many bytes were claimed: the writer fills all of them. */
    public int length() {
        return length;
    }

    /** Hands the bytes over: queued on the connection at once on its loop, else sent to the loop. */
    public void commit() {
        final int m = mode;
        final Connection c = connection;
        release();
        switch (m) {
            case CHUNK -> {
                c.commitReserved(chunk, length);
                chunk = null;
                c.loop().counters().increment(Metric.FRAMES_OUT);
            }
            case RING -> {
                c.addPending(length);
                c.loop().outboundRing().commit(offset);
                c.loop().wakeup();
            }
            case HEAP -> {
                final byte[] bytes = heap;
                unwrapHeap();
                c.addPending(bytes.length);
                c.loop().execute(() -> appendLater(c, bytes));
            }
            default -> throw new IllegalStateException("nothing is claimed");
        }
    }

    /** Gives the space back unused: the connection's queue is as it was before the claim. */
    public void abort() {
        final int m = mode;
        final Connection c = connection;
        release();
        switch (m) {
            case CHUNK -> {
                c.releaseReserved(chunk);
                chunk = null;
            }
            case RING -> {
                c.loop().outboundRing().abort(offset);
                c.loop().wakeup();
            }
            case HEAP -> unwrapHeap();
            default -> throw new IllegalStateException("nothing is claimed");
        }
    }

    /** Aborts the claim unless it was committed: the end of a try-with-resources block. */
    @Override
    public void close() {
        if (mode != IDLE) {
            abort();
        }
    }

    /** Marks the claim done before anything else runs, so a commit that fails halfway is never aborted after it. */
    private void release() {
        mode = IDLE;
        connection = null;
    }

    private void unwrapHeap() {
        heap = null;
        if (owner != null) {
            view.wrap(NO_BYTES); // a loop's claim must not keep a large frame alive
        }
    }

    /** On the loop: a heap record arrives, unless the connection closed or began closing meanwhile. */
    private static void appendLater(Connection c, byte[] bytes) {
        if (c.isClosing()) {
            c.loop().counters().increment(Metric.UNDELIVERED);
            return;
        }
        c.appendFromRing(new UnsafeBuffer(bytes), 0, bytes.length);
        c.loop().counters().increment(Metric.FRAMES_OUT);
    }
}
