package io.tether.codec.ws;

/**
 * What the server handshake decided: the connection switches to WebSocket, or it gets an error
 * response and is closed. Either way {@link #response()} is what to write back.
 */
public sealed interface UpgradeResult permits UpgradeAccepted, UpgradeRejected {
    /** The complete HTTP response head (and body, for a rejection). */
    byte[] response();
}
