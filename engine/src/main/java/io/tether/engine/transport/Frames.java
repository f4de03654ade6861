package io.tether.engine.transport;

import com.google.protobuf.ByteString;
import io.tether.codec.FrameEncoder;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.EventLoopThread;
import io.tether.engine.reactor.OutboundClaim;
import java.nio.ByteBuffer;
import java.util.Map;
import org.agrona.MutableDirectBuffer;

/**
 * Writes frames for a connection, from any thread, wrapped in its {@link Framing}. Every frame takes one path:
 * claim header and body ({@link OutboundClaim}: the connection's chunk on its loop, the loop's ring from any other
 * thread, a heap copy when neither fits), put the header, encode the body right after it, seal, commit. The claim
 * is a try-with-resources resource, so a body writer that throws aborts it and the exception goes on to the caller:
 * nothing half-written reaches the connection, and nothing stays claimed in the ring.
 *
 * <p>The body is encoded inline in each writer rather than passed as a lambda: a lambda capturing the frame's
 * fields would be an allocation per frame on the loop unless the JIT happened to inline the whole path.
 *
 * <p>None of these wait at the high watermark except {@link #send} and {@link #sendResponse}, which do when the
 * caller is a virtual or platform thread; an event loop never waits.
 */
public final class Frames {
    private Frames() {
    }

    /** Encodes a frame body (the Frame message) at an index; the length was computed beforehand. */
    @FunctionalInterface
    public interface BodyWriter {
        void put(MutableDirectBuffer buffer, int index);
    }

    // ---- the one path: claim(header + body), header, body, seal and commit; close() aborts what was not committed

    /** Claims a frame of {@code body} bytes in the connection's framing; write its header first. */
    private static OutboundClaim claim(Connection c, int body) {
        return OutboundClaim.claim(c, Transport.of(c).framing().headerLength(body) + body);
    }

    /** Writes the header of a frame carrying {@code opcode}; returns the index where its body goes. */
    private static int header(OutboundClaim claim, int opcode, int body) {
        final Framing framing = Transport.of(claim.connection()).framing();
        return claim.offset() + framing.putHeader(claim.buffer(), claim.offset(), opcode, body);
    }

    private static int header(OutboundClaim claim, int body) {
        return header(claim, Framing.MESSAGE, body);
    }

    /** Seals the frame whose {@code body} bytes end the claim, and commits it. */
    private static void seal(OutboundClaim claim, int body) {
        final Framing framing = Transport.of(claim.connection()).framing();
        framing.seal(claim.buffer(), claim.offset() + claim.length() - body, body);
        claim.commit();
    }

    // ---- tether frames

    static void writeGoodbye(Connection c, int code, String reason, long retryAfterMs, String reconnectTo) {
        final int body = FrameEncoder.goodbyeLength(code, reason, retryAfterMs, reconnectTo);
        try (OutboundClaim claim = claim(c, body)) {
            FrameEncoder.putGoodbye(claim.buffer(), header(claim, body), code, reason, retryAfterMs, reconnectTo);
            seal(claim, body);
        }
    }

    public static void writePong(Connection c, long nonce) {
        final int body = FrameEncoder.pongLength(nonce);
        try (OutboundClaim claim = claim(c, body)) {
            FrameEncoder.putPong(claim.buffer(), header(claim, body), nonce);
            seal(claim, body);
        }
    }

    public static void writePing(Connection c, long nonce) {
        final int body = FrameEncoder.pingLength(nonce);
        try (OutboundClaim claim = claim(c, body)) {
            FrameEncoder.putPing(claim.buffer(), header(claim, body), nonce);
            seal(claim, body);
        }
    }

    public static void writeAck(Connection c, long seq) {
        final int body = FrameEncoder.ackLength(seq);
        try (OutboundClaim claim = claim(c, body)) {
            FrameEncoder.putAck(claim.buffer(), header(claim, body), seq);
            seal(claim, body);
        }
    }

    public static void writeWelcome(Connection c, String sessionId, byte[] token, boolean resumed, int heartbeatMs) {
        final int body = FrameEncoder.welcomeLength(sessionId, token, resumed, heartbeatMs);
        try (OutboundClaim claim = claim(c, body)) {
            FrameEncoder.putWelcome(claim.buffer(), header(claim, body), sessionId, token, resumed, heartbeatMs);
            seal(claim, body);
        }
    }

    public static void writeHello(Connection c, String clientId, byte[] token, long lastSeq, Map<String, String> metadata,
                                  long helloSeq) {
        final int body = FrameEncoder.helloLength(clientId, token, lastSeq, metadata, helloSeq);
        try (OutboundClaim claim = claim(c, body)) {
            FrameEncoder.putHello(claim.buffer(), header(claim, body), clientId, token, lastSeq, metadata, helloSeq);
            seal(claim, body);
        }
    }

    public static void writeResponse(Connection c, long id, int status, ByteString payload, String error) {
        final int body = FrameEncoder.responseLength(id, status, payload, error);
        try (OutboundClaim claim = claim(c, body)) {
            FrameEncoder.putResponse(claim.buffer(), header(claim, body), id, status, payload, error);
            seal(claim, body);
        }
    }

    /** Writes a frame already encoded (a kept push or response), framed for the connection. */
    public static void writeBody(Connection c, byte[] src, int offset, int length) {
        try (OutboundClaim claim = claim(c, length)) {
            claim.buffer().putBytes(header(claim, length), src, offset, length);
            seal(claim, length);
        }
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
        try (OutboundClaim claim = claim(c, body)) {
            writer.put(claim.buffer(), header(claim, body));
            seal(claim, body);
        }
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

    // ---- WebSocket messages and control frames, and the raw bytes of the upgrade

    /** Writes one WebSocket frame with the connection's masking rule; the payload's bytes are copied, not consumed. */
    static void writeWebSocket(Connection c, int opcode, ByteBuffer payload) {
        final int length = payload.remaining();
        try (OutboundClaim claim = claim(c, length)) {
            claim.buffer().putBytes(header(claim, opcode, length), payload, payload.position(), length);
            seal(claim, length);
        }
    }

    /** Writes bytes as they are, outside any framing (an HTTP upgrade request or response). */
    static void writeRaw(Connection c, byte[] bytes) {
        try (OutboundClaim claim = OutboundClaim.claim(c, bytes.length)) {
            claim.buffer().putBytes(claim.offset(), bytes);
            claim.commit();
        }
    }
}
