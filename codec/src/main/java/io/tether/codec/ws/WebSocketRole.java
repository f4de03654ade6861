package io.tether.codec.ws;

/** Which end of the connection a codec serves; it fixes the masking rule of section 5.1. */
public enum WebSocketRole {
    /** Receives masked frames from clients, sends unmasked frames. */
    SERVER,
    /** Receives unmasked frames from a server, sends masked frames. */
    CLIENT;

    boolean receivesMasked() {
        return this == SERVER;
    }
}
