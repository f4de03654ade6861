package io.tether.engine;

import io.tether.codec.GoodbyeCode;
import io.tether.codec.Status;
import io.tether.codec.proto.Frame;
import io.tether.codec.proto.Hello;
import io.tether.codec.proto.Request;
import io.tether.telemetry.Metric;
import java.util.Base64;
import java.util.Locale;
import org.agrona.DirectBuffer;

/**
 * The server side of the protocol, for every connection of one server: Hello first (within the handshake
 * timeout), then requests, pings, acks and goodbyes. Control frames are answered on the loop; requests go to the
 * session's virtual thread, or run here when their handler is inline.
 */
final class ServerProtocol implements FrameHandler {
    private static final Base64.Encoder IDS = Base64.getUrlEncoder().withoutPadding();

    private final TetherServer server;

    ServerProtocol(TetherServer server) {
        this.server = server;
    }

    @Override
    public ConnectionLimits limits() {
        return server.limits();
    }

    @Override
    public void onOpen(Connection c) {
        c.attachment = new ServerSession(server, c);
    }

    @Override
    public void onHandshakeDeadline(Connection c) {
        final ServerSession session = (ServerSession) c.attachment;
        if (session == null || !session.established()) {
            c.loop().counters().increment(Metric.HANDSHAKE_TIMEOUTS);
            c.closeWithGoodbye(GoodbyeCode.HANDSHAKE_TIMEOUT, "no Hello within "
                + server.config().handshakeTimeout().toMillis() + " ms");
        }
    }

    @Override
    public void onFrame(Connection c, Frame frame) {
        final ServerSession session = (ServerSession) c.attachment;
        if (!session.established()) {
            if (frame.getKindCase() != Frame.KindCase.HELLO) {
                Transport.protocolError(c, GoodbyeCode.PROTOCOL_ERROR,
                    "expected Hello as the first frame, got " + kind(frame));
                return;
            }
            onHello(c, session, frame.getHello());
            return;
        }
        switch (frame.getKindCase()) {
            case REQUEST -> onRequest(c, session, frame.getRequest());
            case PING -> Frames.writePong(c, frame.getPing().getNonce());
            case PONG, ACK -> {
                // Any inbound frame already counts as liveness; acks matter once pushes are kept for resume.
            }
            case GOODBYE -> c.closeWithGoodbye(GoodbyeCode.NORMAL, "closed by the client");
            default -> Transport.protocolError(c, GoodbyeCode.PROTOCOL_ERROR,
                "a client may not send " + kind(frame) + (frame.hasHello() ? " twice" : ""));
        }
    }

    private void onHello(Connection c, ServerSession session, Hello hello) {
        final byte[] id = new byte[16];
        final byte[] token = new byte[16];
        c.loop().random().nextBytes(id);
        c.loop().random().nextBytes(token);
        session.establish(IDS.encodeToString(id), hello.getClientId(), token);
        server.sessionOpened(session);
        c.loop().counters().increment(Metric.SESSIONS_OPENED);
        // A resume token names a session this server cannot resume yet: resumed=false tells the client so.
        Frames.writeWelcome(c, session.id(), token, false, (int) server.config().heartbeatInterval().toMillis());
    }

    private void onRequest(Connection c, ServerSession session, Request request) {
        c.loop().counters().increment(Metric.REQUESTS);
        final TetherServer.Registration registration = server.registration(request.getMethod());
        if (registration == null) {
            Frames.writeResponse(c, request.getId(), Status.UNIMPLEMENTED, com.google.protobuf.ByteString.EMPTY,
                "unknown method '" + request.getMethod() + "'");
            return;
        }
        if (!server.acceptingRequests()) {
            Frames.writeResponse(c, request.getId(), Status.UNAVAILABLE, com.google.protobuf.ByteString.EMPTY,
                "server shutting down");
            return;
        }
        server.requestStarted();
        if (registration.inline()) {
            try {
                final Reply reply = session.invoke(registration.handler(), request);
                Frames.writeResponse(c, request.getId(), reply.status(), reply.payload(), reply.error());
            } finally {
                server.requestDone();
            }
        } else {
            session.enqueue(request);
        }
    }

    @Override
    public void onReadComplete(Connection c) {
        final ServerSession session = (ServerSession) c.attachment;
        if (session != null) {
            session.startWorkerIfIdle();
        }
    }

    @Override
    public void onPushRecord(Connection c, DirectBuffer buffer, int index, int length) {
        ((ServerSession) c.attachment).onPushRecord(buffer, index, length);
    }

    @Override
    public void onClosed(Connection c, int code, String reason) {
        final ServerSession session = (ServerSession) c.attachment;
        if (session != null) {
            if (session.established()) {
                server.sessionClosed(session);
            }
        }
    }

    private static String kind(Frame frame) {
        return frame.getKindCase().name().toLowerCase(Locale.ROOT);
    }
}
