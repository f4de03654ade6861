package io.tether.engine.transport;

import com.google.protobuf.ByteString;
import io.tether.codec.FrameEncoder;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.EventLoop;
import io.tether.engine.reactor.EventLoopThread;
import io.tether.engine.reactor.OutboundRing;
import io.tether.telemetry.Metric;
import java.util.Map;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Writes tether frames for a connection, wrapped in its {@link Framing}. On the connection's own loop a frame is
 * encoded straight into its outbound chunk; from any other thread it is encoded straight into the loop's outbound
 * ring (after waiting for the backlog to fall, when the caller may block), and the loop appends it.
 */
public final class Frames {
    private Frames() {
    }

    // ---- on the loop

    private static int begin(Connection c, int body) {
        final Framing framing = Transport.of(c).framing();
        final UnsafeBuffer out = c.claim(framing.headerLength(body) + body);
        final int at = c.claimIndex();
        return at + framing.putHeader(out, at, body);
    }

    private static void end(Connection c, int bodyIndex, int body) {
        final Framing framing = Transport.of(c).framing();
        framing.seal(c.loop().writeViewCurrent(), bodyIndex, body);
        c.commitClaim(framing.headerLength(body) + body);
        c.loop().counters().increment(Metric.FRAMES_OUT);
    }

    static void writeGoodbye(Connection c, int code, String reason) {
        final int body = FrameEncoder.goodbyeLength(code, reason);
        final int at = begin(c, body);
        FrameEncoder.putGoodbye(c.loop().writeViewCurrent(), at, code, reason);
        end(c, at, body);
    }

    public static void writePong(Connection c, long nonce) {
        final int body = FrameEncoder.pongLength(nonce);
        final int at = begin(c, body);
        FrameEncoder.putPong(c.loop().writeViewCurrent(), at, nonce);
        end(c, at, body);
    }

    public static void writePing(Connection c, long nonce) {
        final int body = FrameEncoder.pingLength(nonce);
        final int at = begin(c, body);
        FrameEncoder.putPing(c.loop().writeViewCurrent(), at, nonce);
        end(c, at, body);
    }

    public static void writeAck(Connection c, long seq) {
        final int body = FrameEncoder.ackLength(seq);
        final int at = begin(c, body);
        FrameEncoder.putAck(c.loop().writeViewCurrent(), at, seq);
        end(c, at, body);
    }

    public static void writeWelcome(Connection c, String sessionId, byte[] token, boolean resumed, int heartbeatMs) {
        final int body = FrameEncoder.welcomeLength(sessionId, token, resumed, heartbeatMs);
        final int at = begin(c, body);
        FrameEncoder.putWelcome(c.loop().writeViewCurrent(), at, sessionId, token, resumed, heartbeatMs);
        end(c, at, body);
    }

    public static void writeHello(Connection c, String clientId, byte[] token, long lastSeq, Map<String, String> metadata,
                           long helloSeq) {
        final int body = FrameEncoder.helloLength(clientId, token, lastSeq, metadata, helloSeq);
        final int at = begin(c, body);
        FrameEncoder.putHello(c.loop().writeViewCurrent(), at, clientId, token, lastSeq, metadata, helloSeq);
        end(c, at, body);
    }

    public static void writeResponse(Connection c, long id, int status, ByteString payload, String error) {
        final int body = FrameEncoder.responseLength(id, status, payload, error);
        final int at = begin(c, body);
        FrameEncoder.putResponse(c.loop().writeViewCurrent(), at, id, status, payload, error);
        end(c, at, body);
    }

    /** Writes a frame already encoded (a kept push or response), framed for the connection. */
    public static void writeBody(Connection c, byte[] src, int offset, int length) {
        final int at = begin(c, length);
        c.loop().writeViewCurrent().putBytes(at, src, offset, length);
        end(c, at, length);
    }

    /** Writes bytes as they are (an HTTP upgrade response). */
    static void writeRaw(Connection c, byte[] bytes) {
        final UnsafeBuffer out = c.claim(bytes.length);
        out.putBytes(c.claimIndex(), bytes);
        c.commitClaim(bytes.length);
    }

    /** Writes one WebSocket frame (data or control) with the connection's masking rule. */
    static void writeWebSocket(Connection c, int opcode, org.agrona.DirectBuffer payload, int index, int length) {
        final WebSocketFraming framing = (WebSocketFraming) Transport.of(c).framing();
        final int total = framing.headerLength(length) + length;
        final UnsafeBuffer out = c.claim(total);
        final int at = c.claimIndex();
        final int bodyAt = at + framing.putHeader(out, at, opcode, length);
        out.putBytes(bodyAt, payload, index, length);
        framing.seal(out, bodyAt, length);
        c.commitClaim(total);
        c.loop().counters().increment(Metric.FRAMES_OUT);
    }

    // ---- from any thread

    /** Encodes a frame body (the Frame message) at an index; the length was computed beforehand. */
    @FunctionalInterface
    public interface BodyWriter {
        void put(MutableDirectBuffer buffer, int index);
    }

    /**
     * Sends a frame of {@code body} bytes from any thread. A virtual or platform thread waits while the
     * connection's backlog is over the high watermark; an event loop (the connection's or another) never waits.
     */
    public static void send(Connection c, int body, BodyWriter writer) {
        if (!EventLoopThread.isCurrent()) {
            c.awaitWritable();
        }
        enqueue(c, body, writer);
    }

    /** As {@link #send} without waiting at the high watermark (the caller waited already, or must not). */
    static void enqueue(Connection c, int body, BodyWriter writer) {
        final EventLoop loop = c.loop();
        if (loop.inLoop()) {
            final int at = begin(c, body);
            writer.put(loop.writeViewCurrent(), at);
            end(c, at, body);
            return;
        }
        final Framing framing = Transport.of(c).framing();
        final int total = framing.headerLength(body) + body;
        final OutboundRing ring = loop.outboundRing();
        final int at = claim(c, ring, OutboundRing.FRAME, total);
        if (at < 0) {
            final byte[] bytes = new byte[total];
            final UnsafeBuffer b = new UnsafeBuffer(bytes);
            final int bodyAt = framing.putHeader(b, 0, body);
            writer.put(b, bodyAt);
            framing.seal(b, bodyAt, body);
            appendLater(c, bytes);
            return;
        }
        final MutableDirectBuffer b = ring.buffer();
        final int bodyAt = at + framing.putHeader(b, at, body);
        writer.put(b, bodyAt);
        framing.seal(b, bodyAt, body);
        ring.commit(at);
        loop.wakeup();
    }

    public static void sendResponse(Connection c, long id, int status, ByteString payload, String error) {
        send(c, FrameEncoder.responseLength(id, status, payload, error),
            (b, at) -> FrameEncoder.putResponse(b, at, id, status, payload, error));
    }

    /** Sends a Request without waiting at the high watermark (see {@link #enqueue}). */
    public static void enqueueRequest(Connection c, long id, String method, ByteString payload, Map<String, String> headers) {
        enqueue(c, FrameEncoder.requestLength(id, method, payload, headers),
            (b, at) -> FrameEncoder.putRequest(b, at, id, method, payload, headers));
    }

    /**
     * Claims ring space, counting it as pending first. Returns -1 when the frame is too large for the ring, or the
     * ring is full and the caller is another event loop (which must never wait on a peer loop).
     */
    public static int claim(Connection c, OutboundRing ring, int type, int length) {
        if (length > ring.maxBodyLength()) {
            return -1;
        }
        final boolean callerIsLoop = EventLoopThread.isCurrent();
        final int at = callerIsLoop ? ring.tryClaim(type, c, length) : ring.claim(type, c, length);
        if (at >= 0) {
            c.addPending(length);
        }
        return at;
    }

    /** The slow path for a frame that does not fit the ring: a heap copy through the loop's command queue. */
    static void appendLater(Connection c, byte[] frame) {
        c.addPending(frame.length);
        c.loop().execute(() -> {
            if (!c.isClosed()) {
                c.appendFromRing(new UnsafeBuffer(frame), 0, frame.length);
                c.loop().counters().increment(Metric.FRAMES_OUT);
            }
        });
    }
}
