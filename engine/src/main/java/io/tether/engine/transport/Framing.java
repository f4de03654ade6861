package io.tether.engine.transport;

import io.tether.codec.TcpFraming;
import org.agrona.MutableDirectBuffer;

/**
 * How one tether {@code Frame} is wrapped on a connection's wire: a varint32 length on raw TCP, a binary
 * WebSocket frame on ws. Stateless; writers claim {@code headerLength + body} bytes, put the header, encode the
 * body after it and {@link #seal} it.
 */
interface Framing {
    int headerLength(int bodyLength);

    /** Writes the header at {@code index}; returns its length. */
    int putHeader(MutableDirectBuffer buffer, int index, int bodyLength);

    /** Finishes a frame whose body is written (a WebSocket client masks it here). */
    default void seal(MutableDirectBuffer buffer, int bodyIndex, int bodyLength) {
    }

    Framing TCP = new Framing() {
        @Override
        public int headerLength(int bodyLength) {
            return TcpFraming.headerLengthFor(bodyLength);
        }

        @Override
        public int putHeader(MutableDirectBuffer buffer, int index, int bodyLength) {
            return TcpFraming.putHeader(buffer, index, bodyLength);
        }
    };
}
