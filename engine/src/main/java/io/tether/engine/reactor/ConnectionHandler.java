package io.tether.engine.reactor;

/**
 * Who a connection serves, as far as the reactor is concerned: the limits it runs under, the signals other threads
 * send it through the loop's {@link OutboundRing}, and its close. The protocol side (frames, sessions) extends this
 * in the layers above. Every method runs on the connection's loop.
 */
public interface ConnectionHandler {
    /** The limits this connection runs under (read on every use, so a live change applies at once). */
    ConnectionLimits limits();

    /** A {@link OutboundRing#SIGNAL} record for this connection arrived (a push to flush, say). */
    default void onSignal(Connection c) {
    }
}
