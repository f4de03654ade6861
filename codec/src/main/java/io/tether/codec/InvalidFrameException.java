package io.tether.codec;

/** The bytes of a frame could not be parsed. The message is suitable for a Goodbye reason. */
public final class InvalidFrameException extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidFrameException(String message) {
        super(message, null, false, false);
    }
}
