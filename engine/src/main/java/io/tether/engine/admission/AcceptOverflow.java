package io.tether.engine.admission;

/** What happens to a connection accepted past the global accept rate. */
public enum AcceptOverflow {
    /** Closed at once, before any byte is read. */
    CLOSE,
    /** Held in a short bounded queue until the rate lets it in, or closed when it has waited too long. */
    QUEUE
}
