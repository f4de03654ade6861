package io.tether.jmh;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.MessageToMessageCodec;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.netty.handler.codec.protobuf.ProtobufEncoder;
import io.netty.handler.codec.protobuf.ProtobufVarint32FrameDecoder;
import io.netty.handler.codec.protobuf.ProtobufVarint32LengthFieldPrepender;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.tether.codec.proto.Frame;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * A load generator for tether's wire contract written on Netty 4.2 alone: it shares no code with tether's own
 * client (engine's TetherClient, bench's LoadGenerator behind {@code tether bench}), only the contract's generated
 * protobuf messages, so it can check what {@code tether bench} measures. Each of {@code --sessions} connections
 * (TCP with varint32-delimited frames, or WebSocket with subprotocol tether.v1 and one frame per binary message)
 * says Hello, waits for Welcome, then calls {@code echo}; every response's payload is checked.
 * <ul>
 *   <li>Closed loop (no {@code --rate}): {@code --pipeline} requests in flight per session; one new request is
 *   written for each response read and flushed once per read batch, as a typical pipelining client does. Latency is
 *   timed from when a request was written.</li>
 *   <li>Open loop ({@code --rate R}): R requests/s over all sessions on a fixed schedule (request k goes to session
 *   k % n at start + k/R), each event loop sending its own sessions' share from a scheduled tick. Latency is timed
 *   from the intended send time, so a slow server is not excused by requests sent late (no coordinated omission);
 *   how late they left is reported as send lag. Netty's NIO loop wakes for a scheduled task at millisecond
 *   granularity, so the send lag, and the latency that includes it, can be up to a millisecond more than a
 *   finer-grained pacer's.</li>
 * </ul>
 * It prints one JSON line with {@code tether bench --json}'s field names (and {@code "generator":"netty"}); exit 0,
 * 1 when no session could connect, 2 on bad arguments, 3 when any response was an error or a mismatch.
 *
 * <pre>
 * java -cp jmh/target/benchmarks.jar io.tether.jmh.NettyLoadClient --sessions 100 --pipeline 16 tcp://127.0.0.1:7000
 * </pre>
 */
public final class NettyLoadClient {
    private NettyLoadClient() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** The whole command: its exit code; the JSON line goes to {@code out}, problems to {@code err}. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            out.println(NettyLoadOptions.USAGE);
            return 0;
        }
        final NettyLoadOptions options;
        try {
            options = NettyLoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("netty-load: " + e.getMessage());
            err.println(NettyLoadOptions.USAGE);
            return 2;
        }
        final Result r;
        try {
            r = run(options);
        } catch (IOException e) {
            err.println("netty-load: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("netty-load: interrupted");
            return 1;
        }
        if (r.failed() > 0) {
            err.println("netty-load: " + r.failed() + " of " + options.sessions() + " sessions failed, the last: "
                + r.lastFailure());
        }
        out.println(r.json());
        return r.errors() > 0 || r.mismatches() > 0 ? 3 : 0;
    }

    /** Runs the bench; an {@link IOException} when no session could connect. */
    static Result run(NettyLoadOptions o) throws IOException, InterruptedException {
        final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(o.threads(),
            new DefaultThreadFactory("netty-load"), NioIoHandler.newFactory());
        try {
            return drive(o, group);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    private static Result drive(NettyLoadOptions o, MultiThreadIoEventLoopGroup group)
        throws IOException, InterruptedException {
        final Tally tally = new Tally(o.sessions());
        final List<NettyLoadLoop> loops = new ArrayList<>();
        for (EventExecutor e : group) {
            loops.add(new NettyLoadLoop((EventLoop) e, tally));
        }
        for (int i = 0; i < o.sessions(); i++) {
            final NettyLoadLoop loop = loops.get(i % loops.size());
            final NettyLoadSession session = new NettyLoadSession(i, loop, o);
            loop.add(session);
            connect(o, loop.executor, session);
        }
        if (!tally.settled.await(5, TimeUnit.MINUTES)) {
            throw new IOException("sessions did not settle within 5 min: " + tally.connected.get() + " connected, "
                + tally.failed.get() + " failed");
        }
        if (tally.connected.get() == 0) {
            throw new IOException("no session could connect to " + o.target() + ": " + tally.lastFailure);
        }
        if (o.openLoop()) {
            final long start = System.nanoTime();
            for (NettyLoadLoop loop : loops) {
                loop.executor.execute(() -> loop.startPacing(start, o.rate(), o.sessions()));
            }
        }
        sleepNanos(o.warmup().toNanos());
        final long begin = System.nanoTime();
        for (NettyLoadLoop loop : loops) {
            loop.executor.execute(loop::beginMeasuring);
        }
        sleepNanos(o.duration().toNanos());
        final long end = System.nanoTime();
        final List<Future<NettyLoadLoop.Window>> windows = new ArrayList<>();
        for (NettyLoadLoop loop : loops) {
            windows.add(loop.executor.submit(loop::endMeasuring));
        }
        final Histogram latency = new Histogram(NettyLoadLoop.MAX_MICROS, 3);
        final Histogram sendLag = new Histogram(NettyLoadLoop.MAX_MICROS, 3);
        long responses = 0;
        long sent = 0;
        long errors = 0;
        long mismatches = 0;
        for (Future<NettyLoadLoop.Window> f : windows) {
            final NettyLoadLoop.Window w = get(f);
            latency.add(w.latency());
            sendLag.add(w.sendLag());
            responses += w.responses();
            sent += w.sent();
            errors += w.errors();
            mismatches += w.mismatches();
        }
        leave(loops);
        return new Result(o, tally.connected.get(), tally.failed.get(), (end - begin) / 1e9, responses, errors,
            mismatches, sent, latency, sendLag, tally.lastFailure);
    }

    private static void connect(NettyLoadOptions o, EventLoop loop, NettyLoadSession session) {
        final Bootstrap b = new Bootstrap().group(loop).channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
            .handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    final ChannelPipeline p = ch.pipeline();
                    if (o.webSocket()) {
                        p.addLast(new HttpClientCodec(), new HttpObjectAggregator(64 << 10),
                            new WebSocketClientProtocolHandler(WebSocketClientHandshakerFactory.newHandshaker(
                                o.target(), WebSocketVersion.V13, "tether.v1", false, new DefaultHttpHeaders(),
                                NettyLoadOptions.MAX_FRAME_BYTES)),
                            new WebSocketFrameAggregator(NettyLoadOptions.MAX_FRAME_BYTES), new WebSocketFrames());
                    } else {
                        p.addLast(new ProtobufVarint32FrameDecoder(), new ProtobufDecoder(Frame.getDefaultInstance()),
                            new ProtobufVarint32LengthFieldPrepender(), new ProtobufEncoder());
                    }
                    p.addLast(session);
                }
            });
        b.connect(o.host(), o.port()).addListener(f -> {
            if (!f.isSuccess()) {
                session.connectFailed(f.cause()); // notified on the session's loop
            }
        });
    }

    /** Every session says Goodbye; waits up to 5 s for them all to close. */
    private static void leave(List<NettyLoadLoop> loops) throws InterruptedException {
        final List<Future<List<ChannelFuture>>> leaving = new ArrayList<>();
        for (NettyLoadLoop loop : loops) {
            leaving.add(loop.executor.submit(loop::leave));
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (Future<List<ChannelFuture>> f : leaving) {
            for (ChannelFuture closed : get(f)) {
                if (!closed.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    return; // the group's shutdown closes what is left
                }
            }
        }
    }

    private static <T> T get(Future<T> f) throws InterruptedException {
        try {
            return f.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("an event loop did not answer", e);
        }
    }

    private static void sleepNanos(long nanos) {
        final long until = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = until - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    /** How the sessions came up, across loops. */
    static final class Tally {
        final CountDownLatch settled;
        final AtomicInteger connected = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        volatile String lastFailure = "";

        Tally(int sessions) {
            settled = new CountDownLatch(sessions);
        }

        void welcomed() {
            connected.incrementAndGet();
            settled.countDown();
        }

        /** Failed before its Welcome. */
        void refused(String reason) {
            failed.incrementAndGet();
            lastFailure = reason;
            settled.countDown();
        }

        /** Closed during the run after its Welcome. */
        void lost(String reason) {
            failed.incrementAndGet();
            lastFailure = reason;
        }
    }

    /** One tether frame per binary WebSocket message, both ways. */
    private static final class WebSocketFrames extends MessageToMessageCodec<BinaryWebSocketFrame, Frame> {
        @Override
        protected void encode(ChannelHandlerContext ctx, Frame frame, List<Object> out) throws IOException {
            final ByteBuf buf = ctx.alloc().buffer(frame.getSerializedSize());
            try (ByteBufOutputStream stream = new ByteBufOutputStream(buf)) {
                frame.writeTo(stream);
            }
            out.add(new BinaryWebSocketFrame(buf));
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, BinaryWebSocketFrame msg, List<Object> out)
            throws IOException {
            out.add(Frame.parseFrom(msg.content().nioBuffer()));
        }
    }

    /** The outcome, measured after the warm-up; latencies in microseconds. */
    record Result(NettyLoadOptions options, int connected, int failed, double seconds, long responses, long errors,
                  long mismatches, long sent, Histogram latency, Histogram sendLag, String lastFailure) {
        double responsesPerSecond() {
            return seconds > 0 ? responses / seconds : 0;
        }

        private static double percentile(Histogram h, double p) {
            return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(p);
        }

        /** The JSON line, in {@code tether bench --json}'s field names. */
        String json() {
            final NettyLoadOptions o = options;
            return String.format(Locale.ROOT, "{\"target\":\"%s\",\"generator\":\"netty\",\"mode\":\"requests\","
                    + "\"sessions\":%d,\"connected\":%d,\"failed\":%d,\"pipeline\":%d,\"payload\":%d,\"rate\":%d,"
                    + "\"seconds\":%.3f,\"responses\":%d,\"responses_per_sec\":%.1f,\"p50_us\":%.0f,\"p99_us\":%.0f,"
                    + "\"p999_us\":%.0f,\"max_us\":%d,\"errors\":%d,\"mismatches\":%d,\"sent\":%d,"
                    + "\"send_lag_p50_us\":%.0f,\"send_lag_p99_us\":%.0f}",
                o.target(), o.sessions(), connected, failed, o.pipeline(), o.payloadBytes(), o.rate(), seconds,
                responses, responsesPerSecond(), percentile(latency, 50), percentile(latency, 99),
                percentile(latency, 99.9), latency.getTotalCount() == 0 ? 0 : latency.getMaxValue(), errors,
                mismatches, sent, percentile(sendLag, 50), percentile(sendLag, 99));
        }
    }
}
