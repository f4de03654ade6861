package io.tether.engine.server;

import io.tether.codec.proto.Frame;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.ConnectionLimits;
import io.tether.engine.transport.FrameHandler;
import java.util.function.Supplier;

/**
 * The frame handler of plain WebSocket connections ({@link WebSocketHandler}): they carry no tether frames, so
 * all it gives the connection is the server's limits.
 */
final class RawWebSocketProtocol implements FrameHandler {
    private final Supplier<ConnectionLimits> limits;

    RawWebSocketProtocol(Supplier<ConnectionLimits> limits) {
        this.limits = limits;
    }

    @Override
    public ConnectionLimits limits() {
        return limits.get();
    }

    @Override
    public void onOpen(Connection c) {
    }

    @Override
    public void onFrame(Connection c, Frame frame) {
        throw new IllegalStateException("a plain WebSocket connection carries no tether frames");
    }

    @Override
    public void onClosed(Connection c, int code, String reason) {
    }
}
