package io.tether.engine.client;

import io.tether.codec.proto.Frame;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.ConnectionLimits;
import io.tether.engine.transport.FrameHandler;
import io.tether.engine.transport.Frames;

/**
 * The client side of one connection of a {@link TetherClient}: says Hello (with the session's resume token and last
 * push seq once there is a session), answers pings, acks pushes once per read, and hands everything else to the
 * client, which outlives its connections.
 */
final class ClientProtocol implements FrameHandler {
    private static final ConnectionLimits LIMITS = new ConnectionLimits(64 << 20, 1 << 20, 256 << 10, 30_000, 10_000);

    private final TetherClient client;
    /** The push seq last acknowledged on this connection; none go out before the Hello ({@link #onOpen}). */
    private long ackedSeq = Long.MAX_VALUE;

    ClientProtocol(TetherClient client) {
        this.client = client;
    }

    @Override
    public ConnectionLimits limits() {
        return LIMITS;
    }

    @Override
    public void onOpen(Connection c) {
        ackedSeq = client.sayHello(c);
    }

    @Override
    public void onFrame(Connection c, Frame frame) {
        switch (frame.getKindCase()) {
            case WELCOME -> client.onWelcome(c, frame.getWelcome());
            case RESPONSE -> client.onResponse(frame.getResponse());
            case PUSH -> client.onPush(frame.getPush());
            case PING -> Frames.writePong(c, frame.getPing().getNonce());
            case GOODBYE -> {
                client.onGoodbye(c, frame.getGoodbye().getCode(), frame.getGoodbye().getReason());
                c.closeNow(null);
            }
            default -> {
                // Pongs need no answer; anything else from a server is ignored.
            }
        }
    }

    @Override
    public void onReadComplete(Connection c) {
        final long seq = client.lastPushSeqOnLoop();
        if (seq > ackedSeq && !c.isClosing()) {
            ackedSeq = seq;
            Frames.writeAck(c, seq);
        }
    }

    @Override
    public void onClosed(Connection c, int code, String reason) {
        client.onConnectionClosed(c, code, reason);
    }
}
