package io.tether.engine.client;

/** The connection closed; {@link #code()} is the Goodbye code that said why. */
public final class TetherClosedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int code;

    public TetherClosedException(int code, String reason) {
        super("closed (" + code + "): " + reason);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
