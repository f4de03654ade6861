package io.tether.engine;

import io.tether.codec.FrameDecoder;
import io.tether.codec.GoodbyeCode;
import io.tether.codec.InvalidFrameException;
import io.tether.codec.TcpFraming;
import io.tether.codec.proto.Frame;
import io.tether.telemetry.Metric;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reads a connection's socket into its loop's scratch buffer and passes every complete frame on. A partial frame
 * at the end of a read is kept in a buffer of its own, which exists only until the frame is complete: a small tail
 * is put back in front of the next read; a frame larger than the scratch buffer is read straight into a buffer of
 * exactly its size (allocated only once its length, checked against the limit, is known).
 */
final class TcpFrameReader {
    /** Reads per readiness event before the loop moves on to other connections (fairness). */
    private static final int MAX_READS = 4;

    private TcpFrameReader() {
    }

    static void onReadable(Connection c) throws IOException {
        final EventLoop loop = c.loop();
        final ByteBuffer scratch = loop.scratch();
        final UnsafeBuffer view = loop.scratchView();
        final int maxFrameSize = c.handler().limits().maxFrameSize();
        for (int round = 0; round < MAX_READS && !c.isClosing(); round++) {
            final ByteBuffer tail = c.inboundTail;
            if (tail != null && tail.capacity() > EventLoop.SCRATCH_SIZE) {
                final int n = read(c, tail);
                if (n < 0 || tail.hasRemaining()) {
                    break;
                }
                c.inboundTail = null;
                tail.flip();
                if (deliver(c, tail, new UnsafeBuffer(tail), maxFrameSize) < 0) {
                    return;
                }
                continue;
            }
            scratch.clear();
            if (tail != null) {
                scratch.put(tail.flip());
                c.inboundTail = null;
            }
            final int n = read(c, scratch);
            if (n < 0) {
                return;
            }
            scratch.flip();
            final int end = scratch.limit();
            final int consumed = deliver(c, scratch, view, maxFrameSize);
            if (consumed < 0) {
                return;
            }
            if (consumed < end) {
                keepTail(c, view, consumed, end, maxFrameSize);
            }
            if (n == 0 || end < scratch.capacity()) {
                break; // the socket has nothing more for now
            }
        }
        c.handler().onReadComplete(c);
    }

    /** Reads once; on end of stream closes the connection and returns -1. */
    private static int read(Connection c, ByteBuffer into) {
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
        }
        return n;
    }

    /**
     * Passes on every complete frame in {@code buffer} from its position to its limit. Returns the offset of the
     * first byte not consumed, or -1 when the connection was closed (a protocol error, or by the handler).
     */
    private static int deliver(Connection c, ByteBuffer buffer, UnsafeBuffer view, int maxFrameSize) {
        final int limit = buffer.limit();
        int offset = buffer.position();
        final FrameHandler handler = c.handler();
        while (offset < limit) {
            final long r = TcpFraming.scan(view, offset, limit, maxFrameSize);
            if (r == TcpFraming.NEED_MORE) {
                break;
            }
            if (r == TcpFraming.MALFORMED_LENGTH) {
                protocolError(c, GoodbyeCode.INVALID_FRAME, "malformed frame length (not a varint32)");
                return -1;
            }
            if (r == TcpFraming.TOO_LARGE) {
                protocolError(c, GoodbyeCode.FRAME_TOO_LARGE, "frame larger than max-frame-size ("
                    + maxFrameSize + " bytes)");
                return -1;
            }
            final int bodyStart = offset + TcpFraming.headerLength(r);
            final int bodyEnd = bodyStart + TcpFraming.bodyLength(r);
            final Frame frame;
            try {
                buffer.limit(bodyEnd).position(bodyStart);
                frame = FrameDecoder.decode(buffer);
            } catch (InvalidFrameException e) {
                protocolError(c, GoodbyeCode.INVALID_FRAME, e.getMessage());
                return -1;
            } finally {
                buffer.limit(limit).position(0);
            }
            offset = bodyEnd;
            c.loop().counters().increment(Metric.FRAMES_IN);
            handler.onFrame(c, frame);
            if (c.isClosing()) {
                return -1;
            }
        }
        return offset;
    }

    private static void keepTail(Connection c, UnsafeBuffer view, int from, int end, int maxFrameSize) {
        final long header = TcpFraming.header(view, from, end, maxFrameSize);
        final int have = end - from;
        final int frameLength = header < 0 ? 0 : TcpFraming.headerLength(header) + TcpFraming.bodyLength(header);
        final ByteBuffer tail = ByteBuffer.allocate(Math.max(frameLength > EventLoop.SCRATCH_SIZE ? frameLength : have,
            have));
        view.getBytes(from, tail, have);
        tail.position(have);
        c.inboundTail = tail;
    }

    static void protocolError(Connection c, int code, String reason) {
        c.loop().counters().increment(Metric.PROTOCOL_ERRORS);
        c.closeWithGoodbye(code, reason);
    }
}
