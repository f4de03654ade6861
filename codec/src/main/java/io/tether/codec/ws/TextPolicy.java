package io.tether.codec.ws;

/** What the decoder does with text messages. */
public enum TextPolicy {
    /** Deliver text, validating UTF-8 across fragments; invalid text closes with 1007. */
    VALIDATE,
    /** The tether protocol is binary only: a text frame closes with 1003 at its header. */
    REFUSE
}
