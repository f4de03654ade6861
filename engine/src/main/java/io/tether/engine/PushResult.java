package io.tether.engine;

/** What became of a push. */
public enum PushResult {
    /** Handed to the session's connection, in order after everything pushed to it before. */
    DELIVERED,
    /** No session has that id. */
    UNKNOWN
}
