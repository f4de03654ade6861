package io.tether.engine.transport;

import io.tether.codec.FrameDecoder;
import io.tether.codec.GoodbyeCode;
import io.tether.codec.InvalidFrameException;
import io.tether.codec.proto.Frame;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.ConnectionDriver;
import io.tether.engine.reactor.EventLoop;
import io.tether.telemetry.Latency;
import io.tether.telemetry.Metric;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * How a connection's bytes map to tether frames: raw TCP or WebSocket. The shared part here reads the socket
 * into the loop's scratch buffer and hands the bytes to the transport's decoding ({@link #deliver}). A partial frame at the end of a read is kept in a buffer of its own, which exists only until
 * the frame is complete: a small tail is put back in front of the next read; a frame larger than the scratch
 * buffer is read straight into a buffer of exactly its size (allocated only once its length, checked against the
 * limit, is known).
 */
public abstract class Transport implements ConnectionDriver {
    /** The transport of {@code c}. */
    public static Transport of(Connection c) {
        return (Transport) c.driver();
    }

    /** The frame handler of {@code c}. */
    static FrameHandler handler(Connection c) {
        return (FrameHandler) c.handler();
    }

    /** How this transport wraps each outbound tether frame. */
    abstract Framing framing();

    /** Writes what tells the peer the connection is closing: a Goodbye frame (and, on WebSocket, a close frame). */
    @Override
    public void writeGoodbye(Connection c, int code, String reason, long retryAfterMs, String reconnectTo) {
        Frames.writeGoodbye(c, code, reason, retryAfterMs, reconnectTo);
    }

    /** Writes a heartbeat ping. */
    public void writePing(Connection c, long nonce) {
        Frames.writePing(c, nonce);
    }

    /**
     * A pong arrived: when its nonce is the send time ({@code System.nanoTime}) of the connection's last ping, its
     * round trip is recorded. A nonce from before that ping, or from the future, is some other pong and ignored.
     */
    public static void onPong(Connection c, long nonce) {
        final long now = System.nanoTime();
        if (c.lastPingMs() != 0 && nonce / 1_000_000 >= c.lastPingMs() && nonce <= now) {
            c.loop().counters().record(Latency.PING_ROUND_TRIP, now - nonce);
        }
    }

    /** The socket is connected (accepted, adopted, or a client's connect finished). */
    @Override
    public void onConnected(Connection c) {
        handler(c).onOpen(c);
    }

    /** The handshake deadline passed: the handler decides whether the session got going in time. */
    @Override
    public void onHandshakeDeadline(Connection c) {
        handler(c).onHandshakeDeadline(c);
    }

    @Override
    public final void onClosed(Connection c, int code, String reason) {
        released(code, reason);
        handler(c).onClosed(c, code, reason);
    }

    /** The connection is closed: let go of what the transport holds (before the handler hears of it). */
    void released(int code, String reason) {
    }

    /** Whether the connection speaks tether frames yet (a WebSocket one only after its upgrade). */
    @Override
    public boolean established(Connection c) {
        return true;
    }

    /** Reads per readiness event before the loop moves on to other connections (fairness). */
    private static final int MAX_READS = 4;

    /**
     * Decodes what it can of {@code buffer} from its position to its limit. Returns the offset of the first byte
     * not consumed, or -1 when the connection was closed (a protocol error, or by the handler).
     */
    abstract int deliver(Connection c, ByteBuffer buffer, UnsafeBuffer view, int maxFrameSize);

    /** The full length of the incomplete frame starting at {@code from}, when its header is in; else 0. */
    abstract int pendingFrameLength(Connection c, UnsafeBuffer view, int from, int end, int maxFrameSize);

    /**
     * Whether input is still decoded after this side started closing: WebSocket reads on to the peer's close frame.
     * Such a transport's {@link #onReadableWhileClosing} goes through {@link #onReadable}, which keeps a frame that
     * spans reads.
     */
    @Override
    public boolean decodesWhileClosing(Connection c) {
        return false;
    }

    /** Writes queued plaintext to the wire; returns the bytes taken, or -1 when the connection broke. */
    @Override
    public long writeOut(Connection c, java.nio.ByteBuffer[] chunks, int count) throws IOException {
        return c.channel().write(chunks, 0, count);
    }

    /** Whether bytes the transport produced itself still wait for the socket (TLS records). */
    @Override
    public boolean wantsWrite() {
        return false;
    }

    /** The socket is writable again: push out the transport's own pending bytes first. */
    @Override
    public void onWritable(Connection c) throws IOException {
    }

    /** Everything queued is written and the connection is closing: the last bytes before half-closing. */
    @Override
    public void beforeShutdownOutput(Connection c) {
    }

    /** Input after this side has started closing: read and discarded by default. */
    @Override
    public void onReadableWhileClosing(Connection c) {
        final ByteBuffer scratch = c.loop().scratch();
        scratch.clear();
        read(c, scratch);
    }

    /** The socket is readable: read, decode, and hand the session's batch on. */
    @Override
    public void onReadable(Connection c) throws IOException {
        try {
            readFrames(c);
        } finally {
            // Requests queued before the read ended in a close or a protocol error still go to the session's
            // worker: every request counted in flight must finish, or shutdown sits out its grace period for it.
            handler(c).onReadComplete(c);
        }
    }

    private boolean reading(Connection c) {
        return !c.isClosing() || decodesWhileClosing(c);
    }

    private void readFrames(Connection c) {
        final ByteBuffer scratch = c.loop().scratch();
        for (int round = 0; round < MAX_READS && reading(c); round++) {
            final ByteBuffer tail = c.inboundTail();
            if (tail != null && tail.capacity() > EventLoop.SCRATCH_SIZE) {
                final int n = read(c, tail);
                if (n < 0 || tail.hasRemaining() || !deliverLargeTail(c, tail)) {
                    return;
                }
                continue;
            }
            startScratch(c, scratch, tail);
            final int n = read(c, scratch);
            if (n < 0 || !decodeScratch(c)) {
                return;
            }
            if (n == 0 || scratch.limit() < scratch.capacity()) {
                break; // the socket has nothing more for now
            }
        }
    }

    /**
     * Decodes bytes that arrived some other way than a read into the scratch buffer: the plaintext of TLS records.
     * {@code fresh} is consumed; whatever is not a whole frame yet is kept as the connection's tail.
     */
    final void consume(Connection c, ByteBuffer fresh) {
        final ByteBuffer scratch = c.loop().scratch();
        while (fresh.hasRemaining() && reading(c)) {
            final ByteBuffer tail = c.inboundTail();
            if (tail != null && tail.capacity() > EventLoop.SCRATCH_SIZE) {
                moveBytes(fresh, tail);
                if (tail.hasRemaining() || !deliverLargeTail(c, tail)) {
                    return;
                }
                continue;
            }
            startScratch(c, scratch, tail);
            moveBytes(fresh, scratch);
            if (!decodeScratch(c)) {
                return;
            }
        }
    }

    private static void moveBytes(ByteBuffer from, ByteBuffer to) {
        final int n = Math.min(from.remaining(), to.remaining());
        to.put(to.position(), from, from.position(), n);
        to.position(to.position() + n);
        from.position(from.position() + n);
    }

    /** Clears the scratch buffer and puts a small tail back in front of what comes next. */
    private static void startScratch(Connection c, ByteBuffer scratch, ByteBuffer tail) {
        scratch.clear();
        if (tail != null) {
            scratch.put(tail.flip());
            c.inboundTail(null);
        }
    }

    /** A frame larger than the scratch buffer is complete in its own buffer: decode it. */
    private boolean deliverLargeTail(Connection c, ByteBuffer tail) {
        c.inboundTail(null);
        tail.flip();
        return deliver(c, tail, new UnsafeBuffer(tail), handler(c).limits().maxFrameSize()) >= 0;
    }

    /** Decodes what the scratch buffer holds (written from position 0 on); keeps an incomplete frame as the tail. */
    private boolean decodeScratch(Connection c) {
        final ByteBuffer scratch = c.loop().scratch();
        final UnsafeBuffer view = c.loop().scratchView();
        final int maxFrameSize = handler(c).limits().maxFrameSize();
        scratch.flip();
        final int end = scratch.limit();
        final int consumed = deliver(c, scratch, view, maxFrameSize);
        if (consumed < 0) {
            return false;
        }
        if (consumed < end) {
            keepTail(c, view, consumed, end, maxFrameSize);
        }
        return true;
    }

    /** Reads once; on end of stream closes the connection and returns -1. */
    static int read(Connection c, ByteBuffer into) {
        int n;
        try {
            n = c.channel().read(into);
        } catch (IOException e) {
            n = -1;
        }
        if (n < 0) {
            c.closeNow(null);
            return -1;
        }
        if (n > 0) {
            c.loop().counters().add(Metric.BYTES_IN, n);
            c.touchInbound(EventLoop.nowMs());
        }
        return n;
    }

    private void keepTail(Connection c, UnsafeBuffer view, int from, int end, int maxFrameSize) {
        final int have = end - from;
        final int frameLength = pendingFrameLength(c, view, from, end, maxFrameSize);
        final ByteBuffer tail = ByteBuffer.allocate(Math.max(frameLength > EventLoop.SCRATCH_SIZE ? frameLength : have,
            have));
        view.getBytes(from, tail, have);
        tail.position(have);
        c.inboundTail(tail);
    }

    /** Decodes one tether Frame from a message body and hands it to the connection's handler. */
    static boolean onFrameBytes(Connection c, ByteBuffer body) {
        final Frame frame;
        try {
            frame = FrameDecoder.decode(body);
        } catch (InvalidFrameException e) {
            protocolError(c, GoodbyeCode.INVALID_FRAME, e.getMessage());
            return false;
        }
        c.loop().counters().increment(Metric.FRAMES_IN);
        handler(c).onFrame(c, frame);
        return !c.isClosing();
    }

    public static void protocolError(Connection c, int code, String reason) {
        c.loop().counters().increment(Metric.PROTOCOL_ERRORS);
        c.closeWithGoodbye(code, reason);
    }
}
