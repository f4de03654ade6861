package io.tether.engine.client;

import io.tether.codec.proto.Frame;
import io.tether.codec.proto.Goodbye;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.ConnectionLimits;
import io.tether.engine.transport.FrameHandler;
import io.tether.engine.transport.Frames;

/**
 * The client side of one connection of a {@link TetherClient}: says Hello (with the session's resume token and last
 * push seq once there is a session), answers pings, acks pushes once per read, and hands everything else to the
 * pieces of the client that outlive its connections: the session, the pending requests and the reconnector.
 */
final class ClientProtocol implements FrameHandler {
    private static final ConnectionLimits LIMITS = new ConnectionLimits(64 << 20, 1 << 20, 256 << 10, 30_000, 10_000);

    private final Reconnector reconnector;
    private final ClientSession session;
    private final PendingRequests<Connection> requests;
    /** The push seq last acknowledged on this connection; none go out before the Hello ({@link #onOpen}). */
    private long ackedSeq = Long.MAX_VALUE;

    ClientProtocol(Reconnector reconnector, ClientSession session, PendingRequests<Connection> requests) {
        this.reconnector = reconnector;
        this.session = session;
        this.requests = requests;
    }

    @Override
    public ConnectionLimits limits() {
        return LIMITS;
    }

    @Override
    public void onOpen(Connection c) {
        ackedSeq = session.sayHello(c);
    }

    @Override
    public void onFrame(Connection c, Frame frame) {
        switch (frame.getKindCase()) {
            case WELCOME -> reconnector.onWelcome(c, frame.getWelcome());
            case RESPONSE -> requests.complete(frame.getResponse());
            case PUSH -> session.onPush(frame.getPush());
            case PING -> Frames.writePong(c, frame.getPing().getNonce());
            case GOODBYE -> {
                final Goodbye g = frame.getGoodbye();
                reconnector.onGoodbye(c, g.getCode(), g.getReason(), Integer.toUnsignedLong(g.getRetryAfterMs()),
                    g.getReconnectTo());
                c.closeNow(null);
            }
            default -> {
                // Pongs need no answer; anything else from a server is ignored.
            }
        }
    }

    @Override
    public void onReadComplete(Connection c) {
        final long seq = session.lastPushSeq();
        if (seq > ackedSeq && !c.isClosing()) {
            ackedSeq = seq;
            Frames.writeAck(c, seq);
        }
    }

    @Override
    public void onClosed(Connection c, int code, String reason) {
        reconnector.onConnectionClosed(c, code, reason);
    }
}
