package io.tether.engine.transport;

import io.tether.codec.ws.WebSocketFrameDescriptor;
import io.tether.engine.reactor.Connection;
import java.nio.ByteBuffer;

/** One WebSocket connection as a {@link WebSocketHandler} sees it. */
public final class WebSocketChannel {
    private final Connection connection;

    WebSocketChannel(Connection connection) {
        this.connection = connection;
    }

    /**
     * Sends one message; the payload's remaining bytes are copied, and the buffer is left as it was. On the
     * connection's loop (inside a handler callback) they go straight into its outbound chunk; from any other thread
     * into its loop's ring, or a heap copy when the message is too large for it (see {@link Frames}). Never waits
     * at the high watermark; a message for a connection that is closing by the time its loop sees it is dropped.
     */
    public void send(boolean text, ByteBuffer payload) {
        final int opcode = text ? WebSocketFrameDescriptor.OPCODE_TEXT : WebSocketFrameDescriptor.OPCODE_BINARY;
        Frames.writeWebSocket(connection, opcode, payload);
    }

    /** Starts the close handshake with {@code code}. */
    public void close(int code, String reason) {
        connection.loop().runInLoop(() -> connection.closeWithGoodbye(code, reason));
    }

    public String remoteAddress() {
        try {
            return String.valueOf(connection.channel().getRemoteAddress());
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
