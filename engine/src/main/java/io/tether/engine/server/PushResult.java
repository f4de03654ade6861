package io.tether.engine.server;

/** What became of a push. */
public enum PushResult {
    /** Handed to the session's connection, in order after everything pushed to it before. */
    DELIVERED,
    /** The session is detached: the push waits in its outbox and is sent when the client resumes. */
    QUEUED,
    /** No live session has that id (never had, or it ended). */
    UNKNOWN
}
