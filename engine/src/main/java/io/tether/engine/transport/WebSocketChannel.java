package io.tether.engine.transport;

import io.tether.codec.ws.WebSocketFrameDescriptor;
import io.tether.engine.reactor.Connection;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/** One WebSocket connection as a {@link WebSocketHandler} sees it. */
public final class WebSocketChannel {
    private final Connection connection;

    WebSocketChannel(Connection connection) {
        this.connection = connection;
    }

    /**
     * Sends one message. On the connection's loop (inside a handler callback) it is written at once; from any
     * other thread the bytes are copied and handed to the loop.
     */
    public void send(boolean text, ByteBuffer payload) {
        final int opcode = text ? WebSocketFrameDescriptor.OPCODE_TEXT : WebSocketFrameDescriptor.OPCODE_BINARY;
        if (connection.loop().inLoop()) {
            Frames.writeWebSocket(connection, opcode, new UnsafeBuffer(payload), payload.position(),
                payload.remaining());
            return;
        }
        final byte[] copy = new byte[payload.remaining()];
        payload.duplicate().get(copy);
        connection.loop().execute(() -> {
            if (!connection.isClosing()) {
                Frames.writeWebSocket(connection, opcode, new UnsafeBuffer(copy), 0, copy.length);
            }
        });
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
