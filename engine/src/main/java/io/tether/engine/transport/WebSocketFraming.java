package io.tether.engine.transport;

import io.tether.codec.ws.WebSocketFrameEncoder;
import org.agrona.MutableDirectBuffer;

/**
 * WebSocket framing of outbound frames, written by the codec's {@link WebSocketFrameEncoder} straight into the
 * claimed chunk or ring record: a server's frames unmasked, a client's masked with a fresh key as they are sealed.
 * Every frame is final (tether sends no fragments).
 */
final class WebSocketFraming implements Framing {
    static final WebSocketFraming SERVER = new WebSocketFraming(WebSocketFrameEncoder.forServer());
    static final WebSocketFraming CLIENT = new WebSocketFraming(WebSocketFrameEncoder.forClient());

    private final WebSocketFrameEncoder encoder;

    private WebSocketFraming(WebSocketFrameEncoder encoder) {
        this.encoder = encoder;
    }

    @Override
    public int headerLength(int bodyLength) {
        return encoder.headerLength(bodyLength);
    }

    @Override
    public int putHeader(MutableDirectBuffer buffer, int index, int opcode, int bodyLength) {
        return encoder.putHeader(buffer, index, opcode, true, bodyLength);
    }

    @Override
    public void seal(MutableDirectBuffer buffer, int bodyIndex, int bodyLength) {
        encoder.maskPayload(buffer, bodyIndex, bodyLength);
    }
}
