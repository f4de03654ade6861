package io.tether.cluster;

import com.google.protobuf.ByteString;
import io.tether.engine.server.PushResult;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The requests nodes send each other over their links, as tether requests (method and payload) on an ordinary
 * tether session between the two nodes, so a link has the engine's framing, ordering, resume and re-send for free.
 * Payloads are big-endian: a hop count first (a push that found its session moved on goes one hop further, never
 * more than {@link #MAX_HOPS}), then length-prefixed UTF-8 strings and the raw bytes.
 */
final class LinkMessages {
    static final String PUSH = "tether.cluster.push";
    static final String KICK = "tether.cluster.kick";
    static final String HAND_OVER = "tether.cluster.handover";
    /** A draining node gives the peer a session whose client is away: its image ({@link SessionImage#toBytes}). */
    static final String ADOPT = "tether.cluster.adopt";
    /** The most nodes a push passes through: its sender, the node its session's id names, the node it moved to. */
    static final int MAX_HOPS = 3;

    private LinkMessages() {
    }

    /** A push (or a kick: {@code topic} is then its reason and there is no payload) for a session on the peer. */
    record Forward(int hops, String sessionId, String topic, ByteString payload) {
        ByteString encode() {
            final byte[] id = sessionId.getBytes(StandardCharsets.UTF_8);
            final byte[] t = topic.getBytes(StandardCharsets.UTF_8);
            final ByteBuffer b = ByteBuffer.allocate(1 + 4 + id.length + 4 + t.length + payload.size());
            b.put((byte) hops).putInt(id.length).put(id).putInt(t.length).put(t);
            payload.copyTo(b);
            return ByteString.copyFrom(b.flip());
        }

        static Forward decode(ByteString bytes) {
            final ByteBuffer b = bytes.asReadOnlyByteBuffer();
            final int hops = b.get();
            final String id = string(b);
            final String topic = string(b);
            return new Forward(hops, id, topic, ByteString.copyFrom(b));
        }
    }

    /** A node asks the peer for a session its client resumed on the asker: the token and the client's last seq. */
    record HandOver(int fromNode, byte[] token, long lastPushSeq) {
        ByteString encode() {
            return ByteString.copyFrom(ByteBuffer.allocate(2 + 4 + token.length + 8).putShort((short) fromNode)
                .putInt(token.length).put(token).putLong(lastPushSeq).flip());
        }

        static HandOver decode(ByteString bytes) {
            final ByteBuffer b = bytes.asReadOnlyByteBuffer();
            final int from = Short.toUnsignedInt(b.getShort());
            final byte[] token = new byte[length(b)];
            b.get(token);
            return new HandOver(from, token, b.getLong());
        }
    }

    static ByteString result(PushResult r) {
        return ByteString.copyFrom(new byte[] {(byte) r.ordinal()});
    }

    static PushResult result(ByteString bytes) {
        final int i = bytes.isEmpty() ? -1 : bytes.byteAt(0);
        if (i < 0 || i >= PushResult.values().length) {
            throw new IllegalArgumentException("not a push result: " + i);
        }
        return PushResult.values()[i];
    }

    private static String string(ByteBuffer b) {
        final byte[] s = new byte[length(b)];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static int length(ByteBuffer b) {
        final int n = b.getInt();
        if (n < 0 || n > b.remaining()) {
            throw new IllegalArgumentException("a link message with a bad length: " + n);
        }
        return n;
    }
}
