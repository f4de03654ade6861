package io.tether.engine.transport;

import io.tether.codec.GoodbyeCode;
import io.tether.codec.ws.ClientHandshake;
import io.tether.codec.ws.ClientUpgradeResult;
import io.tether.codec.ws.ClosePayload;
import io.tether.codec.ws.ServerHandshake;
import io.tether.codec.ws.TextPolicy;
import io.tether.codec.ws.UpgradeAccepted;
import io.tether.codec.ws.UpgradePolicy;
import io.tether.codec.ws.UpgradeRejected;
import io.tether.codec.ws.WebSocketCloseCode;
import io.tether.codec.ws.WebSocketFrameDecoder;
import io.tether.codec.ws.WebSocketFrameDescriptor;
import io.tether.codec.ws.WebSocketFrameListener;
import io.tether.codec.ws.WebSocketRole;
import io.tether.engine.reactor.Connection;
import io.tether.telemetry.Metric;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * WebSocket (RFC 6455) on one connection: the opening handshake, then frames. In tether mode each binary message
 * carries one tether {@code Frame} and text is refused with 1003; with a {@link WebSocketHandler} the messages go
 * to it as they are. One instance per connection (it holds the handshake, then the frame decoder).
 */
public final class WebSocketTransport extends Transport implements WebSocketFrameListener {
    private final WebSocketRole role;
    private final WebSocketHandler rawHandler;
    private final int maxMessageSize;
    private Connection connection;
    private ServerHandshake serverHandshake;
    private ClientHandshake clientHandshake;
    /** Exists only while a read is being decoded or a message is half-received: an idle connection holds none. */
    private WebSocketFrameDecoder decoder;
    private boolean upgraded;
    private TextPolicy textPolicy;
    private WebSocketChannel channel;

    private WebSocketTransport(WebSocketRole role, WebSocketHandler rawHandler, int maxMessageSize) {
        this.role = role;
        this.rawHandler = rawHandler;
        this.maxMessageSize = maxMessageSize;
    }

    /** A server connection; {@code rawHandler} null for tether frames. */
    public static WebSocketTransport server(UpgradePolicy policy, WebSocketHandler rawHandler, int maxMessageSize) {
        final WebSocketTransport t = new WebSocketTransport(WebSocketRole.SERVER, rawHandler, maxMessageSize);
        t.serverHandshake = new ServerHandshake(policy);
        return t;
    }

    /** A client connection speaking tether frames. */
    public static WebSocketTransport client(String host, String path, int maxMessageSize) {
        final WebSocketTransport t = new WebSocketTransport(WebSocketRole.CLIENT, null, maxMessageSize);
        t.clientHandshake = ClientHandshake.forTether(host, path);
        return t;
    }

    @Override
    Framing framing() {
        return role == WebSocketRole.SERVER ? WebSocketFraming.SERVER : WebSocketFraming.CLIENT;
    }

    @Override
    public boolean established(Connection c) {
        return upgraded;
    }

    @Override
    public void onConnected(Connection c) {
        connection = c;
        if (role == WebSocketRole.CLIENT) {
            Frames.writeRaw(c, clientHandshake.request());
        } else if (rawHandler == null) {
            handler(c).onOpen(c); // tether mode: the Hello deadline covers the upgrade too
        }
    }

    @Override
    public void onHandshakeDeadline(Connection c) {
        if (!upgraded) {
            c.loop().counters().increment(Metric.HANDSHAKE_TIMEOUTS);
            c.closeWithGoodbye(GoodbyeCode.HANDSHAKE_TIMEOUT, "WebSocket upgrade not complete in time");
        } else if (rawHandler == null) {
            super.onHandshakeDeadline(c);
        }
    }

    @Override
    int deliver(Connection c, ByteBuffer buffer, UnsafeBuffer view, int maxFrameSize) {
        if (!upgraded && !upgrade(c, buffer)) {
            return c.isClosing() ? -1 : buffer.limit();
        }
        final WebSocketFrameDecoder d = decoder();
        d.decode(buffer);
        if (d.state() == WebSocketFrameDecoder.State.OPEN && !d.isMidMessage() && !buffer.hasRemaining()) {
            decoder = null; // nothing carries over to the next read
        }
        return c.isClosing() && !decodesWhileClosing(c) ? -1 : buffer.position();
    }

    @Override
    public boolean decodesWhileClosing(Connection c) {
        return upgraded && (decoder == null || decoder.state() == WebSocketFrameDecoder.State.OPEN) && !c.isClosed();
    }

    /** Feeds the handshake; true once upgraded (the rest of the buffer is frames). */
    private boolean upgrade(Connection c, ByteBuffer buffer) {
        if (role == WebSocketRole.CLIENT) {
            if (!clientHandshake.decode(buffer)) {
                return false;
            }
            if (clientHandshake.result() instanceof ClientUpgradeResult.Failed failed) {
                c.closeNow(new java.io.IOException("WebSocket upgrade refused: " + failed.status() + " "
                    + failed.reason()));
                return false;
            }
            clientHandshake = null;
            startFrames(c, TextPolicy.REFUSE);
            handler(c).onOpen(c);
            return true;
        }
        if (!serverHandshake.decode(buffer)) {
            return false;
        }
        final var result = serverHandshake.result();
        serverHandshake = null;
        Frames.writeRaw(c, result.response());
        if (result instanceof UpgradeRejected rejected) {
            c.loop().counters().increment(Metric.PROTOCOL_ERRORS);
            c.closeWithGoodbye(GoodbyeCode.PROTOCOL_ERROR, rejected.reason());
            return false;
        }
        assert result instanceof UpgradeAccepted;
        startFrames(c, rawHandler == null ? TextPolicy.REFUSE : TextPolicy.VALIDATE);
        if (rawHandler != null) {
            channel = new WebSocketChannel(c);
            c.handshakeDone(); // a plain WebSocket has no Hello: its upgrade is its handshake
            rawHandler.onOpen(channel);
        }
        return true;
    }

    private void startFrames(Connection c, TextPolicy policy) {
        upgraded = true;
        textPolicy = policy;
    }

    private WebSocketFrameDecoder decoder() {
        if (decoder == null) {
            decoder = new WebSocketFrameDecoder(role, maxMessageSize, textPolicy, this);
        }
        return decoder;
    }

    @Override
    int pendingFrameLength(Connection c, UnsafeBuffer view, int from, int end, int maxFrameSize) {
        return decoder == null ? 0 : decoder.pendingFrameLength();
    }

    @Override
    public void onReadableWhileClosing(Connection c) {
        // Our close frame is out: read until the peer's close frame answers it, then close the TCP connection. The
        // frames before it are decoded (and ignored) through the usual path, which keeps a frame that spans reads.
        if (!decodesWhileClosing(c)) {
            super.onReadableWhileClosing(c);
            return;
        }
        try {
            onReadable(c);
        } catch (java.io.IOException e) {
            c.closeNow(e);
        }
    }

    @Override
    public void writeGoodbye(Connection c, int code, String reason, long retryAfterMs, String reconnectTo) {
        if (rawHandler == null && role == WebSocketRole.SERVER) {
            Frames.writeGoodbye(c, code, reason, retryAfterMs, reconnectTo);
        }
        writeClose(c, closeCodeFor(code), reason);
    }

    @Override
    public void writePing(Connection c, long nonce) {
        // Big-endian: the pong's nonce is read back as the ping's send time (the round-trip latency).
        final ByteBuffer payload = ByteBuffer.allocate(Long.BYTES).putLong(0, nonce);
        Frames.writeWebSocket(c, WebSocketFrameDescriptor.OPCODE_PING, payload);
    }

    private static void writeClose(Connection c, int code, String reason) {
        final ByteBuffer payload = ByteBuffer.allocate(ClosePayload.length(reason));
        ClosePayload.write(payload, code, reason);
        Frames.writeWebSocket(c, WebSocketFrameDescriptor.OPCODE_CLOSE, payload.flip());
    }

    /** Goodbye codes are close codes already, except a heartbeat timeout, which WebSocket calls going away. */
    static int closeCodeFor(int goodbyeCode) {
        if (goodbyeCode == GoodbyeCode.HEARTBEAT_TIMEOUT) {
            return WebSocketCloseCode.GOING_AWAY;
        }
        return WebSocketCloseCode.isValidOnWire(goodbyeCode) ? goodbyeCode : WebSocketCloseCode.INTERNAL_ERROR;
    }

    // ---- frames from the decoder (on the loop, during decode)

    @Override
    public void onBinary(ByteBuffer payload) {
        if (connection.isClosing()) {
            return; // read past on the way to the peer's close frame
        }
        if (rawHandler != null) {
            rawHandler.onMessage(channel, false, payload);
        } else {
            onFrameBytes(connection, payload);
        }
    }

    @Override
    public void onText(ByteBuffer utf8) {
        if (connection.isClosing()) {
            return;
        }
        rawHandler.onMessage(channel, true, utf8); // tether mode refuses text in the decoder (1003)
    }

    @Override
    public void onPing(ByteBuffer payload) {
        if (connection.isClosing()) {
            return; // our output is shut already
        }
        Frames.writeWebSocket(connection, WebSocketFrameDescriptor.OPCODE_PONG, payload);
    }

    @Override
    public void onPong(ByteBuffer payload) {
        // Inbound traffic already counts as alive; a pong of our ping carries its send time.
        if (payload.remaining() == 8) {
            long nonce = 0;
            for (int i = payload.position(); i < payload.limit(); i++) {
                nonce = nonce << 8 | (payload.get(i) & 0xFF);
            }
            onPong(connection, nonce);
        }
    }

    @Override
    public void onClose(int code, String reason) {
        if (connection.isClosing()) {
            connection.closeNow(null); // the answer to our close
            return;
        }
        // Echo the peer's code (none for 1005, which must not go on the wire) and close once it is sent.
        if (code == WebSocketCloseCode.NO_STATUS) {
            Frames.writeWebSocket(connection, WebSocketFrameDescriptor.OPCODE_CLOSE, ByteBuffer.allocate(0));
        } else {
            writeClose(connection, code, "");
        }
        connection.startClose(code, reason.isEmpty() ? "closed by the peer" : reason);
    }

    @Override
    public void onError(int closeCode, String reason) {
        connection.loop().counters().increment(Metric.PROTOCOL_ERRORS);
        if (connection.isClosing()) {
            connection.closeNow(null); // our close frame is out already
            return;
        }
        writeClose(connection, closeCode, reason);
        connection.startClose(closeCode, reason);
    }

    @Override
    void released(int code, String reason) {
        if (rawHandler != null && channel != null) {
            rawHandler.onClose(channel, code, reason);
        }
    }
}
