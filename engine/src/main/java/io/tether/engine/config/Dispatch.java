package io.tether.engine.config;

/** Where request handlers run. */
public enum Dispatch {
    /** On virtual threads: handlers may block. A session's requests run in order, sessions in parallel. */
    VIRTUAL,
    /** On the event loop itself: only for handlers that never block. */
    INLINE
}
