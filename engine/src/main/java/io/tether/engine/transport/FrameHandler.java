package io.tether.engine.transport;

import io.tether.codec.proto.Frame;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.ConnectionHandler;

/**
 * The protocol side of a connection: what to do with its frames. A server session, a client and the load
 * generator each have one. Every method runs on the connection's event loop.
 */
public interface FrameHandler extends ConnectionHandler {
    /** The connection is registered with its loop (for a client: connected). */
    void onOpen(Connection c);

    /** One decoded frame. */
    void onFrame(Connection c, Frame frame);

    /** The server's handshake timeout passed for this connection. */
    default void onHandshakeDeadline(Connection c) {
    }

    /** The frames of one read have all been passed to {@link #onFrame}: hand any batch on now. */
    default void onReadComplete(Connection c) {
    }

    /** The connection is closed; {@code code} and {@code reason} say why (a Goodbye code). */
    void onClosed(Connection c, int code, String reason);
}
