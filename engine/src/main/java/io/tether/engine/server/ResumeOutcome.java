package io.tether.engine.server;

/** What a Hello with a resume token got: the session back, or why not and what the connection does instead. */
sealed interface ResumeOutcome {
    /** The session is attached to the new connection, and the pushes the client lacked were sent again. */
    record Resumed(int replayed) implements ResumeOutcome {
    }

    /**
     * The Hello came from a connection older than the one that holds the session now (delivered after a newer one
     * resumed): that connection is closed, and must not take the session, nor open a new one.
     */
    record Stale(String reason) implements ResumeOutcome {
        static final Stale NEWER_CONNECTION = new Stale("a newer connection of this client holds the session");
    }

    /** The session cannot be resumed (unknown, ended, or pushes the client lacks are gone): a new one opens. */
    record Refused(String reason) implements ResumeOutcome {
        static final Refused UNKNOWN = new Refused("unknown session or wrong resume token");
        static final Refused ENDED = new Refused("the session has ended");
    }
}
