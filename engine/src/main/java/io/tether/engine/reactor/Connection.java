package io.tether.engine.reactor;

import io.tether.telemetry.log.LogEvent;
import io.tether.codec.GoodbyeCode;
import io.tether.telemetry.Metric;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One socket, owned by one {@link EventLoop}: everything here but {@link #slot()}, {@link #stamp()} and
 * {@link #signal()} runs on that loop. Reading and framing belong to its {@link ConnectionDriver} (a transport);
 * outbound bytes enter only through an {@link OutboundClaim} and wait in the queue of {@link ConnectionOutbound},
 * which also holds the backpressure. This class holds the connection's place in its loop, its selection, the
 * protocol's per-connection state and the close sequence.
 */
public final class Connection extends ConnectionOutbound implements Selectable {
    private static final LogEvent RESET_FAILED = LogEvent.debug(Connection.class, "connection.reset.failed");
    private static final LogEvent FAILED = LogEvent.debug(Connection.class, "connection.failed");
    private static final LogEvent CLOSE_FAILED = LogEvent.debug(Connection.class, "connection.close.failed");
    private static final long LINGER_MS = 2_000;
    private static final int NO_SLOT = -1;

    private final SocketChannel channel;
    private int slot = NO_SLOT;
    private volatile int stamp;
    /** Inbound bytes of a frame that has not fully arrived; null when none (the usual case). */
    private ByteBuffer inboundTail;
    /** What the protocol keeps per connection: the server session, the client state. */
    private Object attachment;
    /** When bytes last arrived, and when a heartbeat ping last went out (loop clock, ms). */
    private long lastInboundMs = EventLoop.nowMs();
    private long lastPingMs;
    /** What admission gave this connection, told of its handshake and its close; null when not admitted so. */
    private Admitted admitted;

    /**
     * What a connection holds from admission control until it closes (a server's accept gate): told once when the
     * handshake completes (the Welcome, or a plain WebSocket's upgrade) and once when the connection closes.
     */
    public interface Admitted {
        void handshakeDone(Connection c);

        void closed(Connection c);
    }

    public Connection(EventLoop loop, SocketChannel channel, ConnectionHandler handler, ConnectionDriver driver) {
        super(loop, handler, driver);
        this.channel = channel;
    }

    /** Gives the connection what it holds from admission (before it opens). */
    public void admitted(Admitted admitted) {
        this.admitted = admitted;
    }

    /** The handshake completed: admission counts it a healthy one. */
    public void handshakeDone() {
        if (admitted != null) {
            admitted.handshakeDone(this);
        }
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

    public SocketChannel channel() {
        return channel;
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

    /** Starts the clock on the Hello (and, on WebSocket, the upgrade). Server connections only. */
    public void armHandshakeDeadline() {
        loop.handshakeDeadlines.add(this, EventLoop.nowMs() + handler.limits().handshakeTimeoutMs());
    }

    void onHandshakeDeadline() {
        if (!closing) {
            driver.onHandshakeDeadline(this);
        }
    }

    // ---- closing

    /**
     * Sends a Goodbye, flushes, half-closes and closes once the peer has seen it (or after a short linger). The
     * connection reads nothing more; what it had queued is still sent first.
     */
    @Override
    public void closeWithGoodbye(int code, String reason) {
        closeWithGoodbye(code, reason, 0, "");
    }

    /** As {@link #closeWithGoodbye(int, String)}, telling the peer to wait {@code retryAfterMs} before it comes back. */
    public void closeWithGoodbye(int code, String reason, long retryAfterMs) {
        closeWithGoodbye(code, reason, retryAfterMs, "");
    }

    /**
     * As {@link #closeWithGoodbye(int, String, long)}, telling the peer where to reconnect instead: with
     * {@link GoodbyeCode#REDIRECT}, {@code reconnectTo} is the URL of another node ({@code ""}: none).
     */
    public void closeWithGoodbye(int code, String reason, long retryAfterMs, String reconnectTo) {
        assert loop.inLoop();
        if (closing || closed) {
            return;
        }
        if (!channel.isConnected()) {
            // A client's connect still under way: no peer to tell, no stream to half-close (writing would throw).
            closing = true;
            closeCode = code;
            closeReason = reason;
            closeNow(null);
            return;
        }
        if (driver.established(this)) {
            driver.writeGoodbye(this, code, reason, retryAfterMs, reconnectTo);
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
        readWhileClosing();
        if (!driver.decodesWhileClosing(this)) {
            inboundTail = null;
        }
        loop.lingerDeadlines.add(this, EventLoop.nowMs() + LINGER_MS);
        flush();
        if (!hasQueued() && !closed) {
            shutdownOutputAndLinger();
        }
    }

    private int closeCode = GoodbyeCode.NORMAL;
    private String closeReason = "closed";

    @Override
    void shutdownOutputAndLinger() {
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
            RESET_FAILED.fail(e, "remote", remoteAddress(), "loop", loop.name());
        }
        closeNow(null);
    }

    /** Closes at once, without a Goodbye (the peer went away, or the loop is stopping). */
    @Override
    public void closeNow(Throwable cause) {
        if (closed) {
            return;
        }
        closed = true;
        if (cause != null) {
            FAILED.fail(cause, "remote", remoteAddress(), "loop", loop.name());
        }
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException e) {
            CLOSE_FAILED.fail(e, "remote", remoteAddress(), "loop", loop.name());
        }
        releaseOutbound();
        inboundTail = null;
        loop.unregister(this);
        loop.counters().increment(Metric.CONNECTIONS_CLOSED);
        if (!closing) {
            // No Goodbye either way: the peer went away, or the connection failed (a refused connect, say).
            closeCode = GoodbyeCode.GOING_AWAY;
            closeReason = cause == null ? "connection closed" : "connection failed: " + cause;
        }
        if (admitted != null) {
            admitted.closed(this);
        }
        driver.onClosed(this, closeCode, closeReason);
    }

    /** The peer's address, or null when the socket can no longer tell. */
    public java.net.SocketAddress remoteAddress() {
        try {
            return channel.getRemoteAddress();
        } catch (IOException | RuntimeException e) {
            return null;
        }
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
