package io.tether.engine.client;

import io.tether.telemetry.log.LogEvent;
import io.tether.codec.proto.Push;
import io.tether.codec.proto.Welcome;
import io.tether.engine.reactor.Connection;
import io.tether.engine.transport.Frames;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What a client knows of its session across connections: the resume token, the last push seq it has, and the last
 * Welcome. It drops pushes whose seq it has already seen, so the application sees each push once, in order. Loop
 * only, but for {@link #welcome()}.
 */
final class ClientSession {
    private static final LogEvent PUSH_LISTENER_FAILED = LogEvent.warn(ClientSession.class,
        "client.push.listener.failed");
    private static final byte[] NO_TOKEN = new byte[0];

    /** What a Welcome did to the session. */
    enum Welcomed {
        /** The first session of this client. */
        NEW("connected"),
        /** The session carried on: pushes continue after the last seq the client had. */
        RESUMED("resumed"),
        /** The resume was refused and a new session started: pushes of the old one may have been missed. */
        LOST("new session (the old one could not be resumed)");

        final String cause;

        Welcomed(String cause) {
            this.cause = cause;
        }
    }

    private final String clientId;
    private final Map<String, String> metadata;
    private final Consumer<Push> onPush;

    private byte[] token = NO_TOKEN;
    private long lastPushSeq;
    /** Numbers this client's Hellos, so the server can tell a late one from an old connection. */
    private long helloSeq;
    private long duplicatePushes;
    private long sessionsLost;
    private volatile Welcome welcome;

    ClientSession(String clientId, Map<String, String> metadata, Consumer<Push> onPush) {
        this.clientId = clientId;
        this.metadata = Map.copyOf(metadata);
        this.onPush = onPush;
    }

    /** Whether a Welcome gave this client a session to resume. */
    boolean hasSession() {
        return token.length > 0;
    }

    /** Writes the Hello of a new connection. @return the push seq it says the client has */
    long sayHello(Connection c) {
        Frames.writeHello(c, clientId, token, lastPushSeq, metadata, ++helloSeq);
        return lastPushSeq;
    }

    /** Takes the session the server's Welcome describes. */
    Welcomed welcomed(Welcome w) {
        final boolean hadSession = hasSession();
        final Welcomed outcome = w.getResumed() ? Welcomed.RESUMED : hadSession ? Welcomed.LOST : Welcomed.NEW;
        if (outcome == Welcomed.LOST) {
            sessionsLost++;
            lastPushSeq = 0; // a new session counts its pushes from 1
        }
        token = w.getResumeToken().toByteArray();
        welcome = w;
        return outcome;
    }

    /** Hands a push to the application unless it was seen already (a replay after a resume). */
    void onPush(Push p) {
        if (p.getSeq() <= lastPushSeq) {
            duplicatePushes++;
            return;
        }
        lastPushSeq = p.getSeq();
        try {
            onPush.accept(p);
        } catch (RuntimeException e) {
            PUSH_LISTENER_FAILED.fail(e, "seq", p.getSeq());
        }
    }

    /** The last Welcome; any thread. */
    Welcome welcome() {
        return welcome;
    }

    long lastPushSeq() {
        return lastPushSeq;
    }

    long duplicatePushes() {
        return duplicatePushes;
    }

    long sessionsLost() {
        return sessionsLost;
    }
}
