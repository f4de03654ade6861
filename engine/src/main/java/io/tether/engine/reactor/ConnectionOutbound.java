package io.tether.engine.reactor;

import io.tether.codec.GoodbyeCode;
import io.tether.telemetry.Metric;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import org.agrona.DirectBuffer;

/**
 * The outbound half of a {@link Connection}: its queue of chunks and the flush, {@code pendingBytes} against the
 * watermarks (read pausing, waiting senders, the slow-consumer clock), and the interest ops that follow. A class of
 * its own only so that each file holds one concern; a connection is still one object, and nothing here costs a
 * field load more than it would in one class. Everything but {@link #awaitWritable} and {@link #addPending} runs on
 * the connection's loop.
 *
 * <p>Outbound bytes wait in pooled chunks only while the socket will not take them; an idle connection holds no
 * buffer at all. {@code pendingBytes} counts what producers have handed over and the socket has not yet taken:
 * producers add to it before they enqueue, so a sender sees its own backlog at once.
 */
abstract sealed class ConnectionOutbound permits Connection {
    private static final VarHandle PENDING;
    private static final int READ_PAUSED_BY_HANDLER = 1;
    private static final int READ_PAUSED_BY_OUTBOUND = 2;

    static {
        try {
            PENDING = MethodHandles.lookup().findVarHandle(ConnectionOutbound.class, "pendingBytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final EventLoop loop;
    final ConnectionHandler handler;
    final ConnectionDriver driver;
    SelectionKey key;
    volatile boolean closed;
    boolean closing;
    boolean dirty;
    private volatile long pendingBytes;
    private final WriteWaiters writeWaiters = new WriteWaiters();
    private int readPaused;
    /** When the backlog last rose over the high watermark (0: it is below the low one since). */
    private long overHighSinceMs;
    private boolean slowConsumerQueued;
    /** The outbound chunks while bytes are queued; null when none are (an idle connection). */
    private OutboundChunks outbound;

    ConnectionOutbound(EventLoop loop, ConnectionHandler handler, ConnectionDriver driver) {
        this.loop = loop;
        this.handler = handler;
        this.driver = driver;
    }

    public EventLoop loop() {
        return loop;
    }

    public ConnectionHandler handler() {
        return handler;
    }

    public ConnectionDriver driver() {
        return driver;
    }

    /** Closes at once, without a Goodbye (a write failed). */
    abstract void closeNow(Throwable cause);

    /** Sends a Goodbye and closes once it is out (a slow consumer). */
    public abstract void closeWithGoodbye(int code, String reason);

    /** Everything queued is written and the connection is closing: half-close now. */
    abstract void shutdownOutputAndLinger();

    // ---- the queue

    /**
     * A chunk with room for {@code length} bytes at its position, for an {@link OutboundClaim} on this loop: the last
     * queued chunk when they fit, else a fresh one, which is queued only when the claim commits.
     */
    ByteBuffer reserve(int length) {
        assert loop.inLoop();
        final ByteBuffer tail = outbound == null ? null : outbound.tailWithRoom(length);
        return tail != null ? tail : loop.pool().acquire(length);
    }

    /** Queues the {@code length} bytes a claim wrote at the reserved chunk's position, and counts them as pending. */
    void commitReserved(ByteBuffer chunk, int length) {
        append(chunk, length);
        addPending(length);
        loop.markDirty((Connection) this);
    }

    /** A claim on the reserved chunk was aborted: the queue is as it was; a fresh chunk goes back to the pool. */
    void releaseReserved(ByteBuffer chunk) {
        if (outbound == null || outbound.tail() != chunk) {
            loop.pool().release(chunk);
        }
    }

    /**
     * Appends bytes a producer on another thread handed over (a ring record or a heap copy), already counted in
     * pendingBytes. Loop thread only.
     */
    public void appendFromRing(DirectBuffer buffer, int index, int length) {
        assert !closing : "nothing may follow the Goodbye";
        final ByteBuffer chunk = reserve(length);
        buffer.getBytes(index, chunk, chunk.position(), length);
        append(chunk, length);
        loop.markDirty((Connection) this);
        afterGrowth();
    }

    private void append(ByteBuffer chunk, int length) {
        if (outbound == null) {
            outbound = loop.pool().acquireList();
        }
        outbound.append(chunk, length);
    }

    /** Whether bytes wait for the socket. */
    boolean hasQueued() {
        return outbound != null;
    }

    /** The connection closed: every chunk goes back to the pool, and waiting senders go on. */
    void releaseOutbound() {
        if (outbound != null) {
            outbound.releaseAll(loop.pool());
            loop.pool().releaseList(outbound);
            outbound = null;
        }
        writeWaiters.wakeAll();
    }

    /** One gathering write of everything queued; chunks written out go back to the pool. */
    public void flush() {
        final OutboundChunks queued = outbound;
        if (closed || queued == null) {
            updateWriteInterest();
            return;
        }
        long written;
        try {
            written = driver.writeOut((Connection) this, queued.flipForWrite(), queued.count());
        } catch (IOException e) {
            written = -1;
        }
        final boolean drained = queued.afterWrite(loop.pool());
        if (written < 0) {
            closeNow(null);
            return;
        }
        if (written > 0) {
            loop.counters().add(Metric.BYTES_OUT, written);
            afterDrain(written);
        }
        if (drained) {
            outbound = null;
            loop.pool().releaseList(queued);
            if (closing) {
                shutdownOutputAndLinger();
            }
        }
        updateWriteInterest();
    }

    /** OP_WRITE while anything waits for the socket: queued chunks, or the transport's own bytes. */
    public void updateWriteInterest() {
        setInterest(SelectionKey.OP_WRITE, outbound != null || driver.wantsWrite());
    }

    // ---- the backlog against the watermarks

    /** What producers handed over and the socket has not taken yet (any thread). */
    long pendingBytes() {
        return pendingBytes;
    }

    /** Counts bytes a producer is about to enqueue (a claim counts them as it commits, before the loop sees them). */
    public void addPending(long delta) {
        final long now = (long) PENDING.getAndAdd(this, delta) + delta;
        if (delta > 0 && loop.inLoop() && now > handler.limits().highWatermark()) {
            afterGrowth();
        }
    }

    private void afterGrowth() {
        final ConnectionLimits limits = handler.limits();
        if (pendingBytes > limits.highWatermark() && overHighSinceMs == 0 && !closed) {
            overHighSinceMs = EventLoop.nowMs();
            pauseRead(READ_PAUSED_BY_OUTBOUND);
            if (!slowConsumerQueued) {
                slowConsumerQueued = true;
                loop.slowConsumerDeadlines.add((Connection) this, overHighSinceMs + limits.slowConsumerTimeoutMs());
            }
        }
    }

    void checkSlowConsumer() {
        slowConsumerQueued = false;
        if (closing || overHighSinceMs == 0) {
            return;
        }
        final long now = EventLoop.nowMs();
        final long over = now - overHighSinceMs;
        final long timeout = handler.limits().slowConsumerTimeoutMs();
        if (over >= timeout) {
            loop.counters().increment(Metric.SLOW_CONSUMERS);
            closeWithGoodbye(GoodbyeCode.SLOW_CONSUMER, "slow consumer: " + pendingBytes
                + " bytes unread for " + over + " ms");
        } else {
            // A new spell over the watermark began after this deadline was set: wait for its own.
            slowConsumerQueued = true;
            loop.slowConsumerDeadlines.add((Connection) this, overHighSinceMs + timeout);
        }
    }

    private void afterDrain(long written) {
        final long now = (long) PENDING.getAndAdd(this, -written) - written;
        final ConnectionLimits limits = handler.limits();
        if (now <= limits.lowWatermark()) {
            // Senders wait from the high watermark down to the low one, so the slow-consumer clock runs as long:
            // a backlog stuck between the two would otherwise hold them forever and never be closed.
            overHighSinceMs = 0;
            resumeRead(READ_PAUSED_BY_OUTBOUND);
            writeWaiters.wakeAll();
        }
    }

    /** Blocks the calling (virtual) thread while this connection's backlog is over the high watermark. */
    public void awaitWritable() {
        final ConnectionLimits limits = handler.limits();
        if (pendingBytes <= limits.highWatermark() || closed || loop.inLoop()) {
            return;
        }
        // Resume below the low watermark (hysteresis), or when the connection is gone.
        writeWaiters.await(() -> closed || pendingBytes <= limits.lowWatermark());
    }

    // ---- interest ops

    private void pauseRead(int reason) {
        final boolean wasReading = readPaused == 0;
        readPaused |= reason;
        if (wasReading) {
            setInterest(SelectionKey.OP_READ, false);
        }
    }

    private void resumeRead(int reason) {
        if ((readPaused & reason) == 0) {
            return;
        }
        readPaused &= ~reason;
        if (readPaused == 0 && !closed) {
            setInterest(SelectionKey.OP_READ, true);
        }
    }

    public void pauseReadByHandler() {
        pauseRead(READ_PAUSED_BY_HANDLER);
    }

    public void resumeReadByHandler() {
        resumeRead(READ_PAUSED_BY_HANDLER);
    }

    /** Reads on whatever paused them: a closing connection reads until the peer closes. */
    void readWhileClosing() {
        readPaused = 0;
        setInterest(SelectionKey.OP_READ, true);
    }

    private void setInterest(int op, boolean on) {
        if (key == null || !key.isValid()) {
            return;
        }
        final int ops = key.interestOps();
        final int next = on ? ops | op : ops & ~op;
        if (next != ops) {
            key.interestOps(next);
        }
    }
}
