package io.tether.engine.server;

import io.tether.session.registry.SessionId;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a session needs to go on on another node: who it is, its unacknowledged pushes with their seqs, and its
 * window of recent responses (so a request that already ran there is answered, not run again). A node hands one
 * over when a client resumes the session on another node ({@link TetherServer#handOver}); the other node installs it
 * and resumes the session as if it had never left.
 *
 * <p>The bytes ({@link #toBytes()}) are what crosses the node-to-node link: big-endian, a version byte first. Pushes
 * and responses are kept as the frame bodies they were encoded to, so the new node sends them again byte for byte.
 *
 * @param pushes    the encoded pushes kept for the client, seqs {@code firstSeq}, {@code firstSeq + 1}, …
 * @param responses the remembered responses, oldest first
 */
public record SessionImage(long idHigh, long idLow, long secretHigh, long secretLow, String clientId, long helloSeq,
                           long firstSeq, long lostThroughSeq, List<byte[]> pushes, List<Response> responses) {
    private static final byte VERSION = 1;

    /**
     * A remembered response.
     *
     * @param body the encoded response, or null when it was too large to keep (the request ran; a re-send gets an
     *             error, not a second run)
     */
    public record Response(long requestId, byte[] body) {
    }

    public SessionImage {
        pushes = List.copyOf(pushes);
        responses = List.copyOf(responses);
    }

    /** The session's id as clients and pushers know it. */
    public String id() {
        return SessionId.format(idHigh, idLow);
    }

    /** The bytes sent over the link. */
    public byte[] toBytes() {
        final byte[] client = clientId.getBytes(StandardCharsets.UTF_8);
        int size = 1 + 8 * 7 + 4 + client.length + 4 + 4;
        for (byte[] p : pushes) {
            size += 4 + p.length;
        }
        for (Response r : responses) {
            size += 8 + 4 + (r.body == null ? 0 : r.body.length);
        }
        final ByteBuffer b = ByteBuffer.allocate(size);
        b.put(VERSION).putLong(idHigh).putLong(idLow).putLong(secretHigh).putLong(secretLow).putLong(helloSeq)
            .putLong(firstSeq).putLong(lostThroughSeq);
        b.putInt(client.length).put(client);
        b.putInt(pushes.size());
        for (byte[] p : pushes) {
            b.putInt(p.length).put(p);
        }
        b.putInt(responses.size());
        for (Response r : responses) {
            b.putLong(r.requestId).putInt(r.body == null ? -1 : r.body.length);
            if (r.body != null) {
                b.put(r.body);
            }
        }
        return b.array();
    }

    /** Reads what {@link #toBytes()} wrote. @throws IllegalArgumentException when the bytes are not an image */
    public static SessionImage fromBytes(byte[] bytes) {
        try {
            final ByteBuffer b = ByteBuffer.wrap(bytes);
            if (b.get() != VERSION) {
                throw new IllegalArgumentException("not a session image of version " + VERSION);
            }
            final long idHigh = b.getLong();
            final long idLow = b.getLong();
            final long secretHigh = b.getLong();
            final long secretLow = b.getLong();
            final long helloSeq = b.getLong();
            final long firstSeq = b.getLong();
            final long lostThrough = b.getLong();
            final String client = new String(take(b, b.getInt()), StandardCharsets.UTF_8);
            final int pushCount = count(b, 4);
            final List<byte[]> pushes = new ArrayList<>(pushCount);
            for (int i = 0; i < pushCount; i++) {
                pushes.add(take(b, b.getInt()));
            }
            final int responseCount = count(b, 12);
            final List<Response> responses = new ArrayList<>(responseCount);
            for (int i = 0; i < responseCount; i++) {
                final long requestId = b.getLong();
                final int length = b.getInt();
                responses.add(new Response(requestId, length < 0 ? null : take(b, length)));
            }
            if (b.hasRemaining()) {
                throw new IllegalArgumentException(b.remaining() + " bytes after the session image");
            }
            return new SessionImage(idHigh, idLow, secretHigh, secretLow, client, helloSeq, firstSeq, lostThrough,
                pushes, responses);
        } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("a truncated session image", e);
        }
    }

    private static int count(ByteBuffer b, int minBytesEach) {
        final int n = b.getInt();
        if (n < 0 || (long) n * minBytesEach > b.remaining()) {
            throw new IllegalArgumentException("a session image with a bad count: " + n);
        }
        return n;
    }

    private static byte[] take(ByteBuffer b, int length) {
        if (length < 0 || length > b.remaining()) {
            throw new IllegalArgumentException("a session image with a bad length: " + length);
        }
        final byte[] out = new byte[length];
        b.get(out);
        return out;
    }
}
