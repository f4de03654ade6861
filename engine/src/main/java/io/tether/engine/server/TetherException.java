package io.tether.engine.server;

/** Thrown by a handler to answer with a given status and message instead of 13 (INTERNAL). */
public class TetherException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    public TetherException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
