package io.tether.engine.server;

import io.tether.telemetry.log.LogEvent;
import io.tether.codec.GoodbyeCode;
import io.tether.codec.Status;
import io.tether.engine.admission.AdmissionSettings;
import io.tether.engine.admission.RequestRate;
import io.tether.codec.proto.Frame;
import io.tether.codec.proto.Hello;
import io.tether.codec.proto.Request;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.ConnectionLimits;
import io.tether.engine.reactor.EventLoop;
import io.tether.engine.transport.FrameHandler;
import io.tether.engine.transport.Frames;
import io.tether.engine.transport.Transport;
import io.tether.telemetry.Metric;
import java.util.Locale;

/**
 * The server side of the protocol, for every connection of one server: Hello first (within the handshake
 * timeout), then requests, pings, acks and goodbyes. Control frames are answered on the loop; requests go to the
 * session's virtual thread, or run here when their handler is inline.
 */
final class ServerProtocol implements FrameHandler {
    private static final LogEvent OPENED = LogEvent.info(ServerProtocol.class, "session.opened");
    private static final LogEvent RESUMED = LogEvent.info(ServerProtocol.class, "session.resumed");
    private static final LogEvent RESUME_REFUSED = LogEvent.info(ServerProtocol.class, "session.resume.refused");
    private static final LogEvent TAKE_OVER_FAILED = LogEvent.warn(ServerProtocol.class, "cluster.takeover.failed");

    private final TetherServer server;
    private final Dispatcher dispatcher;
    private final SessionDirectory directory;

    ServerProtocol(TetherServer server, Dispatcher dispatcher, SessionDirectory directory) {
        this.server = server;
        this.dispatcher = dispatcher;
        this.directory = directory;
    }

    @Override
    public ConnectionLimits limits() {
        return server.limits();
    }

    @Override
    public void onOpen(Connection c) {
        c.attach(new ServerSession(server, c));
    }

    @Override
    public void onHandshakeDeadline(Connection c) {
        final ServerSession session = (ServerSession) c.attachment();
        if (session == null || !session.established()) {
            c.loop().counters().increment(Metric.HANDSHAKE_TIMEOUTS);
            c.closeWithGoodbye(GoodbyeCode.HANDSHAKE_TIMEOUT, "no Hello within "
                + server.config().handshakeTimeout().toMillis() + " ms");
        }
    }

    @Override
    public void onFrame(Connection c, Frame frame) {
        final ServerSession session = (ServerSession) c.attachment();
        if (!session.established()) {
            if (session.awaitingTakeOver()) {
                Transport.protocolError(c, GoodbyeCode.PROTOCOL_ERROR,
                    "a " + kind(frame) + " before the Welcome (the resume is still being answered)");
                return;
            }
            if (frame.getKindCase() != Frame.KindCase.HELLO) {
                Transport.protocolError(c, GoodbyeCode.PROTOCOL_ERROR,
                    "expected Hello as the first frame, got " + kind(frame));
                return;
            }
            onHello(c, session, frame.getHello());
            return;
        }
        if (!session.servedBy(c)) {
            return; // the session resumed on another connection; this one is being closed
        }
        switch (frame.getKindCase()) {
            case REQUEST -> onRequest(c, session, frame.getRequest());
            case PING -> Frames.writePong(c, frame.getPing().getNonce());
            case ACK -> session.ack(c, frame.getAck().getPushSeq());
            case PONG -> Transport.onPong(c, frame.getPong().getNonce()); // liveness: any inbound frame
            case GOODBYE -> {
                session.endWithConnection();
                c.closeWithGoodbye(GoodbyeCode.NORMAL, "closed by the client");
            }
            default -> Transport.protocolError(c, GoodbyeCode.PROTOCOL_ERROR,
                "a client may not send " + kind(frame) + (frame.hasHello() ? " twice" : ""));
        }
    }

    /**
     * A Hello with a resume token reattaches its session when the token is right and nothing the client lacks was
     * lost; otherwise, as with no token, a new session starts and Welcome{resumed=false} tells the client so. In a
     * cluster, a token of a session this node does not hold first asks the node that owns it to hand it over (off
     * the loop; the Hello is answered when that is done), and a node that does not own sessions now sends the
     * client to another.
     */
    private void onHello(Connection c, ServerSession pending, Hello hello) {
        c.handshakeDone(); // TLS, upgrade and Hello all arrived: a healthy handshake, whatever the answer
        final Cluster cluster = server.cluster();
        if (cluster != null && !cluster.owning()) {
            c.loop().counters().increment(Metric.RESUMES_REFUSED);
            redirect(c, cluster.redirectTarget(), "this node is not taking sessions now");
            return;
        }
        if (hello.getResumeToken().isEmpty()) {
            answerHello(c, pending, hello, null);
            return;
        }
        final byte[] token = hello.getResumeToken().toByteArray();
        final ServerSession existing = directory.forToken(token);
        if (existing != null || cluster == null) {
            answerHello(c, pending, hello, existing);
            return;
        }
        pending.awaitTakeOver();
        Thread.ofVirtual().name("tether-takeover").start(() -> {
            SessionImage image = null;
            try {
                image = cluster.takeOver(token, hello.getLastPushSeq());
            } catch (RuntimeException e) {
                TAKE_OVER_FAILED.fail(e, "remote", c.remoteAddress());
            }
            final SessionImage taken = image;
            c.loop().execute(() -> answerHello(c, pending, hello, taken == null ? null : arrive(c, taken)));
        });
    }

    /**
     * Installs a session another node handed over, detached, on {@code loop} (its thread).
     *
     * @return it, or null when it could not be (a session with its id is here already)
     */
    ServerSession arrive(EventLoop loop, SessionImage image) {
        final ServerSession s = ServerSession.restored(server, image);
        if (!directory.arrived(s)) {
            return null;
        }
        loop.counters().increment(Metric.SESSIONS_HANDED_IN);
        return s;
    }

    /** Installs a session another node handed over, detached, on c's loop. @return it, or null when it could not be */
    private ServerSession arrive(Connection c, SessionImage image) {
        final ServerSession s = arrive(c.loop(), image);
        if (s != null && c.isClosing()) {
            s.parkDetached(c.loop()); // the client went away meanwhile: its next resume finds it here
        }
        return s;
    }

    private void answerHello(Connection c, ServerSession pending, Hello hello, ServerSession existing) {
        if (c.isClosing()) {
            return;
        }
        final int heartbeatMs = (int) server.config().heartbeatInterval().toMillis();
        if (!hello.getResumeToken().isEmpty()) {
            final ResumeOutcome outcome = existing == null ? ResumeOutcome.Refused.UNKNOWN
                : existing.resume(c, hello.getLastPushSeq(), heartbeatMs, hello.getHelloSeq());
            switch (outcome) {
                case ResumeOutcome.Resumed resumed -> {
                    c.loop().counters().increment(Metric.SESSIONS_RESUMED);
                    if (RESUMED.admit()) {
                        RESUMED.write("session", existing.id(), "client", existing.clientId(), "remote",
                            c.remoteAddress(), "replayed", resumed.replayed());
                    }
                    directory.listeners().resumed(existing);
                    return;
                }
                case ResumeOutcome.Stale stale -> {
                    // The client has moved on to a newer connection; this one must not take the session from it.
                    c.loop().counters().increment(Metric.RESUMES_REFUSED);
                    c.closeWithGoodbye(GoodbyeCode.SESSION_TAKEN_OVER, stale.reason());
                    return;
                }
                case ResumeOutcome.Refused refused -> {
                    c.loop().counters().increment(Metric.RESUMES_REFUSED);
                    if (server.cluster() != null) {
                        c.loop().counters().increment(Metric.HANDOFFS_FAILED);
                    }
                    RESUME_REFUSED.log("remote", c.remoteAddress(), "client", hello.getClientId(), "reason",
                        refused.reason());
                }
            }
        }
        final Admission admission = server.admission();
        final long retryAfterMs = admission == null ? -1
            : admission.refuseHello(c, hello.getClientId(), System.nanoTime());
        if (retryAfterMs >= 0) {
            c.closeWithGoodbye(GoodbyeCode.OVERLOADED, "refused by admission control: retry after " + retryAfterMs
                + " ms", retryAfterMs);
            return;
        }
        pending.rateExempt(admission == null || admission.exempt(c.remoteAddress()));
        directory.open(pending, c.loop(), hello.getClientId(), hello.getHelloSeq());
        OPENED.log("session", pending.id(), "client", hello.getClientId(), "remote", c.remoteAddress(), "loop",
            c.loop().name());
        Frames.writeWelcome(c, pending.id(), pending.token(), false, heartbeatMs);
    }

    /** Sends the client to another node of the cluster: Goodbye 4009 with where, when the cluster knows one. */
    static void redirect(Connection c, String target, String reason) {
        c.closeWithGoodbye(GoodbyeCode.REDIRECT, reason, 0, target);
    }

    private void onRequest(Connection c, ServerSession session, Request request) {
        c.loop().counters().increment(Metric.REQUESTS);
        final Dispatcher.Registration registration = dispatcher.registration(request.getMethod());
        if (registration == null) {
            Frames.writeResponse(c, request.getId(), Status.UNIMPLEMENTED, com.google.protobuf.ByteString.EMPTY,
                "unknown method '" + request.getMethod() + "'");
            return;
        }
        if (!dispatcher.accepting()) {
            Frames.writeResponse(c, request.getId(), Status.UNAVAILABLE, com.google.protobuf.ByteString.EMPTY,
                "server shutting down");
            return;
        }
        if (overRequestRate(c, session, request)) {
            return;
        }
        dispatcher.requestStarted();
        final RequestLedger ledger = session.ledger();
        switch (ledger.admit(c, request, registration.inline(), server.config().maxSessionInflight())) {
            case RUN_INLINE -> {
                try {
                    ledger.respond(request.getId(), session.invoke(registration.handler(), request), true);
                } catch (RuntimeException e) {
                    ledger.respondFailed(request, e);
                } finally {
                    dispatcher.requestDone();
                }
            }
            case QUEUED -> {
                // the session's worker runs it, and counts it done
            }
            case HANDLED -> dispatcher.requestDone();
        }
    }

    /** Answers a request over its session's rate with status 8 (true); closes a session that keeps at it. */
    private boolean overRequestRate(Connection c, ServerSession session, Request request) {
        final Admission admission = server.admission();
        if (admission == null || session.rateExempt()) {
            return false;
        }
        final AdmissionSettings s = admission.settings();
        if (s.sessionRequestRate() <= 0) {
            return false;
        }
        final int verdict = session.requestRate().take(System.nanoTime(), s);
        if (verdict == RequestRate.ADMIT) {
            return false;
        }
        c.loop().counters().increment(Metric.REFUSED_REQUEST_RATE);
        if (s.dryRun()) {
            return false;
        }
        Frames.writeResponse(c, request.getId(), Status.RESOURCE_EXHAUSTED, com.google.protobuf.ByteString.EMPTY,
            "over session-request-rate (" + s.sessionRequestRate() + "/s)");
        if (verdict == RequestRate.CLOSE) {
            c.closeWithGoodbye(GoodbyeCode.OVERLOADED, s.sessionRequestOverrun()
                + " requests in a row over session-request-rate", 1_000);
        }
        return true;
    }

    @Override
    public void onReadComplete(Connection c) {
        final ServerSession session = (ServerSession) c.attachment();
        if (session != null) {
            session.startWorkerIfIdle();
        }
    }

    @Override
    public void onSignal(Connection c) {
        ((ServerSession) c.attachment()).flushPushes(c);
    }

    @Override
    public void onClosed(Connection c, int code, String reason) {
        final ServerSession session = (ServerSession) c.attachment();
        if (session != null && session.established()) {
            session.connectionClosed(c, code, reason);
        }
    }

    private static String kind(Frame frame) {
        return frame.getKindCase().name().toLowerCase(Locale.ROOT);
    }
}
