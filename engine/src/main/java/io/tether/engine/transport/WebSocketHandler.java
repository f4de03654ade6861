package io.tether.engine.transport;

import java.nio.ByteBuffer;

/**
 * A plain WebSocket message handler, for protocols other than tether's (and for the {@code ws+echo} listener).
 * Every method runs on the connection's event loop and must not block.
 */
public interface WebSocketHandler {
    /** The upgrade is done. */
    default void onOpen(WebSocketChannel channel) {
    }

    /** One whole message (fragments already joined; text already validated as UTF-8). Valid during the call. */
    void onMessage(WebSocketChannel channel, boolean text, ByteBuffer payload);

    /** The connection closed, with the close code the peer sent or the one tether sent. */
    default void onClose(WebSocketChannel channel, int code, String reason) {
    }

    /** Echoes every message verbatim: what {@code --listen ws+echo://} serves. */
    WebSocketHandler ECHO = (channel, text, payload) -> channel.send(text, payload);
}
