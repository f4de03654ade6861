package io.tether.engine.server;

import io.tether.tls.PeerIdentity;

/**
 * A session as the application sees it ({@link TetherServer#sessions()}, the session hooks). A session outlives
 * its connections: when one is lost the session is detached and waits, resumable, for the resume window.
 */
public interface Session {
    /** Where a session is in its life. */
    enum State {
        /** A connection serves it. */
        ATTACHED,
        /** Its connection was lost; it is kept (pushes keep queueing) until its client resumes or the window ends. */
        DETACHED,
        /** Closed on purpose, kicked, expired or evicted: it cannot be resumed, and pushes to it are refused. */
        ENDED
    }

    /** The 22-character id the client got in its Welcome. */
    String id();

    /** The client id from the Hello that opened the session. */
    String clientId();

    /** Where the session is in its life now. */
    State state();

    /** The seq of the last push made to the session, 0 before the first. */
    long lastPushSeq();

    /**
     * The verified client certificate identity on tls:// and wss:// listeners, else null (also while detached). Read
     * from the connection's TLS session on each call: an equal record, not the same object, each time.
     */
    PeerIdentity peer();
}
