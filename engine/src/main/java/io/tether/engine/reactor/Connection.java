package io.tether.engine.reactor;

import io.tether.codec.GoodbyeCode;
import io.tether.telemetry.Metric;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One socket, owned by one {@link EventLoop}: everything here but {@link #awaitWritable}, {@link #slot()} and
 * {@link #stamp()} runs on that loop. Reading and framing belong to its {@link ConnectionDriver} (a transport); this
 * class holds the outbound queue, backpressure and the close sequence.
 *
 * <p>Outbound bytes wait in pooled chunks only while the socket will not take them; an idle connection holds no
 * buffer at all. {@code pendingBytes} counts what producers have handed over and the socket has not yet taken:
 * producers add to it before they enqueue, so a sender sees its own backlog at once.
 */
public final class Connection implements Selectable {
    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
    private static final VarHandle PENDING;
    private static final long LINGER_MS = 2_000;
    private static final int NO_SLOT = -1;

    static {
        try {
            PENDING = MethodHandles.lookup().findVarHandle(Connection.class, "pendingBytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final int READ_PAUSED_BY_HANDLER = 1;
    private static final int READ_PAUSED_BY_OUTBOUND = 2;

    private final EventLoop loop;
    private final SocketChannel channel;
    private final ConnectionHandler handler;
    private final ConnectionDriver driver;
    private SelectionKey key;
    private int slot = NO_SLOT;
    private volatile int stamp;
    private volatile long pendingBytes;
    private volatile boolean closed;
    private final WriteWaiters writeWaiters = new WriteWaiters();
    boolean dirty;
    private boolean closing;
    private int readPaused;
    /** When the backlog last rose over the high watermark (0: it is below the low one since). */
    private long overHighSinceMs;
    private boolean slowConsumerQueued;
    /** Outbound chunks, oldest first; each in write mode, its read position in {@code readPositions}. */
    private ByteBuffer[] chunks;
    private int[] readPositions;
    private int chunkCount;
    /** Inbound bytes of a frame that has not fully arrived; null when none (the usual case). */
    private ByteBuffer inboundTail;
    /** What the protocol keeps per connection: the server session, the client state. */
    private Object attachment;
    /** When bytes last arrived, and when a heartbeat ping last went out (loop clock, ms). */
    private long lastInboundMs = EventLoop.nowMs();
    private long lastPingMs;

    public Connection(EventLoop loop, SocketChannel channel, ConnectionHandler handler, ConnectionDriver driver) {
        this.loop = loop;
        this.channel = channel;
        this.handler = handler;
        this.driver = driver;
    }

    public ConnectionDriver driver() {
        return driver;
    }

    /** What the protocol keeps for this connection (loop thread). */
    public Object attachment() {
        return attachment;
    }

    public void attach(Object attachment) {
        this.attachment = attachment;
    }

    /** The bytes of a frame that has not fully arrived, kept by the driver between reads; usually null. */
    public ByteBuffer inboundTail() {
        return inboundTail;
    }

    public void inboundTail(ByteBuffer tail) {
        this.inboundTail = tail;
    }

    /** When bytes last arrived (loop clock, ms). */
    public long lastInboundMs() {
        return lastInboundMs;
    }

    /** Bytes arrived at {@code nowMs}. */
    public void touchInbound(long nowMs) {
        lastInboundMs = nowMs;
    }

    /** When a heartbeat ping last went out (loop clock, ms). */
    public long lastPingMs() {
        return lastPingMs;
    }

    public void pinged(long nowMs) {
        lastPingMs = nowMs;
    }

    public EventLoop loop() {
        return loop;
    }

    public SocketChannel channel() {
        return channel;
    }

    public ConnectionHandler handler() {
        return handler;
    }

    public int slot() {
        return slot;
    }

    int stamp() {
        return stamp;
    }

    public boolean isClosed() {
        return closed;
    }

    public boolean isClosing() {
        return closing || closed;
    }

    /**
     * Places the connection in its loop's table: {@code stamp} is unique among the loop's connections (never 0), so
     * a ring record addressed to a connection that closed never reaches the next one in the same slot.
     */
    void assignSlot(int slot, int stamp) {
        this.slot = slot;
        this.stamp = stamp; // volatile: written last, read first (see OutboundRing)
    }

    /** Registers with the loop's selector; {@code ops} is OP_READ, or OP_CONNECT for a client still connecting. */
    public void open(int ops) throws IOException {
        assert loop.inLoop();
        loop.register(this);
        key = channel.register(loop.selector(), ops, this);
        if (ops == SelectionKey.OP_READ) {
            driver.onConnected(this);
        }
    }

    @Override
    public void onFailure(Throwable cause) {
        closeNow(cause);
    }

    @Override
    public void closeNow() {
        closeNow(null);
    }

    @Override
    public void onSelected(SelectionKey k) throws IOException {
        final int ready = k.readyOps();
        if ((ready & SelectionKey.OP_CONNECT) != 0) {
            try {
                channel.finishConnect();
            } catch (IOException e) {
                // Refused or unreachable: an outcome the client reports, not a failure of the loop.
                closeNow(e);
                return;
            }
            k.interestOps(SelectionKey.OP_READ);
            driver.onConnected(this);
            return;
        }
        if ((ready & SelectionKey.OP_WRITE) != 0) {
            driver.onWritable(this);
            flush();
        }
        if ((ready & SelectionKey.OP_READ) != 0 && k.isValid()) {
            if (closing) {
                driver.onReadableWhileClosing(this);
            } else {
                driver.onReadable(this);
            }
        }
    }

    // ---- outbound

    /**
     * Space for {@code length} bytes at the end of the outbound queue, as a flyweight over the chunk; write from
     * {@link #claimIndex} on and call {@link #commitClaim}. Loop thread only.
     */
    public UnsafeBuffer claim(int length) {
        assert loop.inLoop();
        ByteBuffer tail = chunkCount == 0 ? null : chunks[chunkCount - 1];
        if (tail == null || tail.remaining() < length) {
            tail = loop.pool().acquire(length);
            addChunk(tail);
        }
        return loop.writeView(tail);
    }

    public int claimIndex() {
        return chunks[chunkCount - 1].position();
    }

    public void commitClaim(int length) {
        final ByteBuffer tail = chunks[chunkCount - 1];
        tail.position(tail.position() + length);
        addPending(length);
        loop.markDirty(this);
    }

    /**
     * Asks this connection's loop, from any thread, to call its handler's {@link ConnectionHandler#onSignal}: one
     * empty {@link OutboundRing#SIGNAL} record in the loop's ring, so it keeps its place among the frames other
     * threads queued before it. Returns false, having queued nothing, when the ring is full and the caller is an
     * event loop (which never waits on another loop); the caller then hands the work over with
     * {@link EventLoop#execute}.
     */
    public boolean signal() {
        final OutboundRing ring = loop.outboundRing();
        final int at = EventLoopThread.isCurrent() ? ring.tryClaim(OutboundRing.SIGNAL, this, 0)
            : ring.claim(OutboundRing.SIGNAL, this, 0);
        if (at < 0) {
            return false;
        }
        ring.commit(at);
        loop.wakeup();
        return true;
    }

    /** Appends bytes a producer left in the outbound ring (already counted in pendingBytes). */
    public void appendFromRing(DirectBuffer buffer, int index, int length) {
        assert !closing : "nothing may follow the Goodbye";
        final UnsafeBuffer out = claim(length);
        final int at = claimIndex();
        out.putBytes(at, buffer, index, length);
        chunks[chunkCount - 1].position(at + length);
        loop.markDirty(this);
        afterGrowth();
    }

    /** Counts bytes a producer on another thread is about to enqueue. */
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
                loop.slowConsumerDeadlines.add(this, overHighSinceMs + limits.slowConsumerTimeoutMs());
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
            loop.slowConsumerDeadlines.add(this, overHighSinceMs + timeout);
        }
    }

    /** Starts the clock on the Hello (and, on WebSocket, the upgrade). Server connections only. */
    public void armHandshakeDeadline() {
        loop.handshakeDeadlines.add(this, EventLoop.nowMs() + handler.limits().handshakeTimeoutMs());
    }

    void onHandshakeDeadline() {
        if (!closing) {
            driver.onHandshakeDeadline(this);
        }
    }

    private void addChunk(ByteBuffer chunk) {
        if (chunks == null) {
            chunks = new ByteBuffer[4];
            readPositions = new int[4];
        } else if (chunkCount == chunks.length) {
            chunks = java.util.Arrays.copyOf(chunks, chunkCount * 2);
            readPositions = java.util.Arrays.copyOf(readPositions, chunkCount * 2);
        }
        chunks[chunkCount] = chunk;
        readPositions[chunkCount] = 0;
        chunkCount++;
    }

    /** One gathering write of everything queued; chunks written out go back to the pool. */
    public void flush() {
        if (closed || chunkCount == 0) {
            updateWriteInterest();
            return;
        }
        for (int i = 0; i < chunkCount; i++) {
            final ByteBuffer b = chunks[i];
            b.limit(b.position()).position(readPositions[i]);
        }
        long written;
        try {
            written = driver.writeOut(this, chunks, chunkCount);
        } catch (IOException e) {
            written = -1;
        }
        int done = 0;
        for (int i = 0; i < chunkCount; i++) {
            final ByteBuffer b = chunks[i];
            final boolean empty = !b.hasRemaining();
            readPositions[i] = b.position();
            b.position(b.limit()).limit(b.capacity());
            if (empty && done == i) {
                done++;
            }
        }
        if (written < 0) {
            closeNow(null);
            return;
        }
        if (done > 0) {
            for (int i = 0; i < done; i++) {
                loop.pool().release(chunks[i]);
            }
            System.arraycopy(chunks, done, chunks, 0, chunkCount - done);
            System.arraycopy(readPositions, done, readPositions, 0, chunkCount - done);
            for (int i = chunkCount - done; i < chunkCount; i++) {
                chunks[i] = null;
            }
            chunkCount -= done;
        }
        if (written > 0) {
            loop.counters().add(Metric.BYTES_OUT, written);
            afterDrain(written);
        }
        if (chunkCount == 0) {
            chunks = null;
            readPositions = null;
            if (closing) {
                shutdownOutputAndLinger();
            }
        }
        updateWriteInterest();
    }

    /** OP_WRITE while anything waits for the socket: queued chunks, or the transport's own bytes. */
    public void updateWriteInterest() {
        setInterest(SelectionKey.OP_WRITE, chunkCount > 0 || driver.wantsWrite());
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

    // ---- read interest

    void pauseRead(int reason) {
        final boolean wasReading = readPaused == 0;
        readPaused |= reason;
        if (wasReading) {
            setInterest(SelectionKey.OP_READ, false);
        }
    }

    void resumeRead(int reason) {
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

    // ---- closing

    /**
     * Sends a Goodbye, flushes, half-closes and closes once the peer has seen it (or after a short linger). The
     * connection reads nothing more; what it had queued is still sent first.
     */
    public void closeWithGoodbye(int code, String reason) {
        assert loop.inLoop();
        if (closing || closed) {
            return;
        }
        if (driver.established(this)) {
            driver.writeGoodbye(this, code, reason);
        }
        startClose(code, reason);
    }

    /** Stops reading frames and closes once what is queued (a close frame, say) is written and answered. */
    public void startClose(int code, String reason) {
        if (closing || closed) {
            return;
        }
        closing = true;
        closeCode = code;
        closeReason = reason;
        readPaused = 0;
        setInterest(SelectionKey.OP_READ, true);
        if (!driver.decodesWhileClosing(this)) {
            inboundTail = null;
        }
        loop.lingerDeadlines.add(this, EventLoop.nowMs() + LINGER_MS);
        flush();
        if (chunkCount == 0 && !closed) {
            shutdownOutputAndLinger();
        }
    }

    private int closeCode = GoodbyeCode.NORMAL;
    private String closeReason = "closed";

    private void shutdownOutputAndLinger() {
        driver.beforeShutdownOutput(this);
        try {
            channel.shutdownOutput();
        } catch (IOException e) {
            closeNow(null);
        }
    }

    /** Drops the connection with a TCP reset (SO_LINGER 0), as a failing network would. */
    public void resetNow() {
        try {
            channel.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not arm a reset", e);
        }
        closeNow(null);
    }

    /** Closes at once, without a Goodbye (the peer went away, or the loop is stopping). */
    public void closeNow(Throwable cause) {
        if (closed) {
            return;
        }
        closed = true;
        if (cause != null) {
            LOG.debug("{}: closing after failure", this, cause);
        }
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("close failed", e);
        }
        for (int i = 0; i < chunkCount; i++) {
            loop.pool().release(chunks[i]);
        }
        chunks = null;
        readPositions = null;
        chunkCount = 0;
        inboundTail = null;
        loop.unregister(this);
        loop.counters().increment(Metric.CONNECTIONS_CLOSED);
        writeWaiters.wakeAll();
        if (!closing) {
            // No Goodbye either way: the peer went away, or the connection failed (a refused connect, say).
            closeCode = GoodbyeCode.GOING_AWAY;
            closeReason = cause == null ? "connection closed" : "connection failed: " + cause;
        }
        driver.onClosed(this, closeCode, closeReason);
    }

    @Override
    public String toString() {
        String remote;
        try {
            remote = String.valueOf(channel.getRemoteAddress());
        } catch (IOException | RuntimeException e) {
            remote = "?";
        }
        return "connection " + remote + " on " + loop.name();
    }
}
