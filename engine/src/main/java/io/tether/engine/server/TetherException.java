package io.tether.engine.server;

/** Thrown by a handler to answer with a given status and message instead of 13 (INTERNAL). */
public class TetherException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    /** The request is answered with {@code status} (docs/PROTOCOL.md, section 4) and {@code message}. */
    public TetherException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The status the request is answered with. */
    public int status() {
        return status;
    }
}
