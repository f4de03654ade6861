package io.tether.engine.transport;

import io.tether.codec.TcpFraming;
import io.tether.codec.ws.WebSocketFrameDescriptor;
import org.agrona.MutableDirectBuffer;

/**
 * How one outbound frame is wrapped on a connection's wire: a varint32 length on raw TCP, a WebSocket frame header
 * on ws. Stateless. {@link Frames} claims {@code headerLength + body} bytes, puts the header, encodes the body
 * after it and {@link #seal}s it.
 */
interface Framing {
    /** What a tether {@code Frame} travels as where the transport says (a binary WebSocket message). */
    int MESSAGE = WebSocketFrameDescriptor.OPCODE_BINARY;

    int headerLength(int bodyLength);

    /**
     * Writes the header at {@code index}; returns its length.
     *
     * @param opcode what the frame carries, for a transport that says ({@link #MESSAGE}, or a WebSocket opcode)
     */
    int putHeader(MutableDirectBuffer buffer, int index, int opcode, int bodyLength);

    /** Finishes a frame whose body is written (a WebSocket client masks it here). */
    default void seal(MutableDirectBuffer buffer, int bodyIndex, int bodyLength) {
    }

    Framing TCP = new Framing() {
        @Override
        public int headerLength(int bodyLength) {
            return TcpFraming.headerLengthFor(bodyLength);
        }

        @Override
        public int putHeader(MutableDirectBuffer buffer, int index, int opcode, int bodyLength) {
            return TcpFraming.putHeader(buffer, index, bodyLength);
        }
    };
}
