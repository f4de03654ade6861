package io.tether.jmh;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.tether.codec.proto.Frame;
import io.tether.codec.proto.Goodbye;
import io.tether.codec.proto.Hello;
import io.tether.codec.proto.Pong;
import io.tether.codec.proto.Request;
import io.tether.codec.proto.Response;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * One session of {@link NettyLoadClient}, the last handler of its channel's pipeline, which hands it whole
 * {@link Frame}s (the TCP or WebSocket codecs before it do the framing). It says Hello as the first frame (on
 * WebSocket once the upgrade is done), and on Welcome starts sending: in closed loop {@code pipeline} requests,
 * then one new request written for each response read, all flushed once per read batch; in open loop it sends
 * when its event loop's pacer says so. Every response must carry the id of a request in flight and echo its
 * payload (the id in the first 8 bytes, little-endian, then a fixed filler), else it is a mismatch; a non-zero
 * status is an error. It answers the server's Ping with Pong. Touched by its channel's event loop only.
 */
final class NettyLoadSession extends ChannelInboundHandlerAdapter {
    private static final int WELCOME_TIMEOUT_SECONDS = 10;
    /** The filler after the id in every payload; the first 8 bytes are overwritten per request. */
    private static final byte FILLER_FIRST = 'a';

    final int slot;
    private final NettyLoadLoop loop;
    private final NettyLoadOptions options;
    private final byte[] template;
    /** The template's bytes after the id, which every echo must carry unchanged. */
    private final ByteString filler;
    private final InFlight inFlight;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> welcomeTimeout;
    private boolean welcomed;
    private boolean settled;
    private String closeReason;
    private long nextId;

    NettyLoadSession(int slot, NettyLoadLoop loop, NettyLoadOptions options) {
        this.slot = slot;
        this.loop = loop;
        this.options = options;
        this.template = new byte[options.payloadBytes()];
        for (int i = 8; i < template.length; i++) {
            template[i] = (byte) (FILLER_FIRST + i % 26);
        }
        this.filler = ByteString.copyFrom(template, 8, template.length - 8);
        this.inFlight = new InFlight(options.openLoop() ? 64 : options.pipeline());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        if (!options.webSocket()) {
            sayHello();
        }
        welcomeTimeout = ctx.executor().schedule(() -> {
            if (!welcomed) {
                closeReason = "no Welcome within " + WELCOME_TIMEOUT_SECONDS + " s";
                ctx.close();
            }
        }, WELCOME_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        super.channelActive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            sayHello();
        } else if (evt == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            closeReason = "WebSocket upgrade timed out";
        }
        super.userEventTriggered(ctx, evt);
    }

    /** Hello must be the first frame: a new session (no resume token), named per session as devices would be. */
    private void sayHello() {
        ctx.writeAndFlush(Frame.newBuilder().setHello(Hello.newBuilder().setClientId("netty-load-" + slot)).build(),
            ctx.voidPromise());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Frame frame)) {
            ReferenceCountUtil.release(msg); // a text message, say: not part of the contract
            loop.mismatch();
            return;
        }
        switch (frame.getKindCase()) {
            case WELCOME -> welcome();
            case RESPONSE -> response(frame.getResponse());
            case PING -> ctx.write(Frame.newBuilder().setPong(Pong.newBuilder().setNonce(frame.getPing().getNonce()))
                .build(), ctx.voidPromise());
            case GOODBYE -> {
                closeReason = "Goodbye " + frame.getGoodbye().getCode() + " " + frame.getGoodbye().getReason();
                ctx.close();
            }
            default -> { } // pushes are not expected from echo; nothing else needs an answer
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush(); // what this read batch wrote: the replacement requests, a Pong
        ctx.fireChannelReadComplete();
    }

    private void welcome() {
        if (welcomed) {
            return;
        }
        welcomed = true;
        welcomeTimeout.cancel(false);
        settled = true;
        loop.welcomed();
        if (!options.openLoop()) {
            final long now = System.nanoTime();
            for (int i = 0; i < options.pipeline(); i++) {
                send(now);
            }
        }
    }

    private void response(Response r) {
        final long now = System.nanoTime();
        final long sentAt = inFlight.remove(r.getId());
        if (sentAt == InFlight.NONE) {
            loop.mismatch(); // an id not in flight: never sent, or answered twice
            return;
        }
        if (r.getStatus() != 0) {
            loop.error();
        } else if (!echoes(r.getPayload(), r.getId())) {
            loop.mismatch();
        }
        loop.answered(now - sentAt);
        if (!options.openLoop() && loop.running()) {
            send(now);
        }
    }

    private boolean echoes(ByteString got, long id) {
        return got.size() == template.length
            && got.substring(0, 8).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getLong() == id
            && got.substring(8).equals(filler);
    }

    /**
     * Writes one request (not flushed), its latency timed from {@code intendedNanos}; false when the session is
     * not open. Event loop thread.
     */
    boolean send(long intendedNanos) {
        if (!welcomed || !ctx.channel().isActive()) {
            return false;
        }
        final long id = ++nextId;
        final byte[] payload = template.clone();
        ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).putLong(0, id);
        if (inFlight.put(id, intendedNanos)) {
            loop.error(); // a request unanswered for the whole window was given up
        }
        ctx.write(Frame.newBuilder().setRequest(Request.newBuilder().setId(id).setMethod(options.method())
            .setPayload(UnsafeByteOperations.unsafeWrap(payload))).build(), ctx.voidPromise());
        loop.sent();
        return true;
    }

    void flush() {
        ctx.flush();
    }

    /** Ends the session as the contract asks of a client leaving on purpose: Goodbye 1000, then close. */
    ChannelFuture leave() {
        if (ctx == null) {
            return null;
        }
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(Frame.newBuilder().setGoodbye(Goodbye.newBuilder().setCode(1000).setReason("bench done"))
                .build()).addListener(ChannelFutureListener.CLOSE);
        }
        return ctx.channel().closeFuture();
    }

    /** The connection could not be made at all (refused, timed out). */
    void connectFailed(Throwable cause) {
        settle(cause.getMessage() == null ? cause.toString() : cause.getMessage());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (closeReason == null) {
            closeReason = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (welcomeTimeout != null) {
            welcomeTimeout.cancel(false);
        }
        final String reason = closeReason != null ? closeReason : "connection closed by the server";
        if (!welcomed) {
            settle(reason);
        } else if (loop.running()) {
            loop.lost(reason);
        }
        super.channelInactive(ctx);
    }

    /** Counts this session as failed before its Welcome, once. */
    private void settle(String reason) {
        if (!settled) {
            settled = true;
            loop.refused(reason);
        }
    }

    /**
     * The send times of a session's requests in flight, by id. Ids count up from 1, so an open-addressed table
     * indexed by the id's low bits holds them without collisions as long as it is wider than the span of ids in
     * flight; it doubles when a new id would land on an older one still waiting, up to {@link #MAX_CAPACITY}, past
     * which the older one is given up.
     */
    static final class InFlight {
        static final long NONE = Long.MIN_VALUE;
        static final int MAX_CAPACITY = 1 << 16;
        private long[] ids;
        private long[] times;
        private int mask;

        InFlight(int expected) {
            final int capacity = Integer.highestOneBit(Math.max(8, expected) * 2 - 1) << 1;
            ids = new long[capacity];
            times = new long[capacity];
            mask = capacity - 1;
        }

        /** Stores {@code id} (at least 1); true when an older request had to be given up to make room. */
        boolean put(long id, long nanos) {
            while (ids[(int) id & mask] != 0 && ids.length < MAX_CAPACITY) {
                grow();
            }
            final int i = (int) id & mask;
            final boolean evicted = ids[i] != 0;
            ids[i] = id;
            times[i] = nanos;
            return evicted;
        }

        /** The send time of {@code id}, forgotten; {@link #NONE} when it is not in flight. */
        long remove(long id) {
            final int i = (int) id & mask;
            if (id == 0 || ids[i] != id) {
                return NONE;
            }
            ids[i] = 0;
            return times[i];
        }

        int capacity() {
            return ids.length;
        }

        private void grow() {
            final long[] oldIds = ids;
            final long[] oldTimes = times;
            int capacity = oldIds.length * 2;
            rehash:
            while (true) {
                ids = new long[capacity];
                times = new long[capacity];
                mask = capacity - 1;
                for (int j = 0; j < oldIds.length; j++) {
                    if (oldIds[j] != 0) {
                        final int i = (int) oldIds[j] & mask;
                        if (ids[i] != 0 && capacity < MAX_CAPACITY) {
                            capacity *= 2;
                            continue rehash;
                        }
                        ids[i] = oldIds[j];
                        times[i] = oldTimes[j];
                    }
                }
                return;
            }
        }
    }
}
