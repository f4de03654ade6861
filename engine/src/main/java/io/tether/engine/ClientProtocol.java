package io.tether.engine;

import io.tether.codec.GoodbyeCode;
import io.tether.codec.proto.Frame;
import io.tether.codec.proto.Push;
import io.tether.codec.proto.Response;
import io.tether.codec.proto.Welcome;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The client side of one connection: sends Hello when connected, completes the Welcome future, matches responses
 * to requests by id, answers pings, hands pushes to the listener and acks them once per read.
 */
final class ClientProtocol implements FrameHandler {
    private static final ConnectionLimits LIMITS = new ConnectionLimits(64 << 20, 1 << 20, 256 << 10, 30_000, 10_000);

    final CompletableFuture<Welcome> welcome = new CompletableFuture<>();
    final Map<Long, CompletableFuture<Response>> pending = new ConcurrentHashMap<>();
    final CompletableFuture<TetherClosedException> closed = new CompletableFuture<>();
    private final String clientId;
    private final Map<String, String> metadata;
    private final Consumer<Push> pushListener;
    private long lastPushSeq;
    private long ackedSeq;

    ClientProtocol(String clientId, Map<String, String> metadata, Consumer<Push> pushListener) {
        this.clientId = clientId;
        this.metadata = Map.copyOf(metadata);
        this.pushListener = pushListener;
    }

    @Override
    public ConnectionLimits limits() {
        return LIMITS;
    }

    @Override
    public void onOpen(Connection c) {
        Frames.writeHello(c, clientId, new byte[0], 0, metadata);
    }

    @Override
    public void onFrame(Connection c, Frame frame) {
        switch (frame.getKindCase()) {
            case WELCOME -> welcome.complete(frame.getWelcome());
            case RESPONSE -> {
                final CompletableFuture<Response> f = pending.remove(frame.getResponse().getId());
                if (f != null) {
                    f.complete(frame.getResponse());
                }
            }
            case PUSH -> {
                lastPushSeq = Math.max(lastPushSeq, frame.getPush().getSeq());
                pushListener.accept(frame.getPush());
            }
            case PING -> Frames.writePong(c, frame.getPing().getNonce());
            case GOODBYE -> {
                closed.complete(new TetherClosedException(frame.getGoodbye().getCode(), frame.getGoodbye().getReason()));
                c.closeNow(null);
            }
            default -> {
                // Pongs need no answer; anything else from a server is ignored.
            }
        }
    }

    @Override
    public void onReadComplete(Connection c) {
        if (lastPushSeq > ackedSeq && !c.isClosing()) {
            ackedSeq = lastPushSeq;
            Frames.writeAck(c, ackedSeq);
        }
    }

    @Override
    public void onClosed(Connection c, int code, String reason) {
        closed.complete(new TetherClosedException(code, reason));
        final TetherClosedException e = closed.join();
        welcome.completeExceptionally(e);
        pending.values().forEach(f -> f.completeExceptionally(e));
        pending.clear();
    }
}
