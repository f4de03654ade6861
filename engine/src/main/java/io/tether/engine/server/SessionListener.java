package io.tether.engine.server;

/**
 * Hears of sessions' lives. Every method runs on the session's event loop, so it must not block: hand anything slow
 * to another thread. An exception is logged and otherwise ignored.
 */
public interface SessionListener {
    /** A Hello opened a new session. */
    default void onConnect(Session session) {
    }

    /** A Hello with the session's resume token reattached it to a new connection. */
    default void onResume(Session session) {
    }

    /**
     * The session's connection closed; {@code code} and {@code reason} say why (a Goodbye code). The session is then
     * {@link Session.State#DETACHED detached} (resumable) or {@link Session.State#ENDED ended}.
     */
    default void onDisconnect(Session session, int code, String reason) {
    }

    /** The session ended for good: closed on purpose, kicked, or not resumed in time (expired or evicted). */
    default void onEnd(Session session, String why) {
    }
}
