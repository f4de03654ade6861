package io.tether.engine.config;

/** What carries the virtual threads that run handlers (the setting {@code virtual-carrier}). */
public enum VirtualCarrier {
    /**
     * The event loop that read the request: a handler that does not block costs about an inline call, one that
     * blocks parks and leaves the loop free. Needs JDK 24+ and {@code java.base/java.lang} opened to tether; without
     * them, {@link #SHARED} is used and the log says why.
     */
    LOOP,
    /** The JDK's shared scheduler (one carrier per core): for handlers that compute for long. */
    SHARED
}
