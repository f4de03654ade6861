package io.tether.engine.client;

/** The connection closed; {@link #code()} is the Goodbye code that said why. */
public final class TetherClosedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int code;

    /** A close with Goodbye {@code code} and its reason. */
    public TetherClosedException(int code, String reason) {
        super("closed (" + code + "): " + reason);
        this.code = code;
    }

    /** The Goodbye code (docs/PROTOCOL.md, section 5). */
    public int code() {
        return code;
    }
}
