package io.tether.engine;

import io.tether.codec.proto.Frame;
import org.agrona.DirectBuffer;

/**
 * The protocol side of a connection: what to do with its frames. A server session, a client and the load
 * generator each have one. Every method runs on the connection's event loop.
 */
interface FrameHandler {
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

    /** A push record from the outbound ring (topic and payload as written by {@link Pushes}). */
    default void onPushRecord(Connection c, DirectBuffer buffer, int index, int length) {
    }

    /** The connection is closed; {@code code} and {@code reason} say why (a Goodbye code). */
    void onClosed(Connection c, int code, String reason);

    /** The limits this connection runs under (read on every use, so a live reload applies at once). */
    ConnectionLimits limits();
}
