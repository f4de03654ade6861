package io.tether.jmh;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.netty.handler.codec.protobuf.ProtobufEncoder;
import io.netty.handler.codec.protobuf.ProtobufVarint32FrameDecoder;
import io.netty.handler.codec.protobuf.ProtobufVarint32LengthFieldPrepender;
import io.tether.codec.proto.Frame;
import io.tether.codec.proto.Response;
import io.tether.codec.proto.Welcome;
import java.io.IOException;

/**
 * The Netty 4.2 baseline for {@code tether bench}: the same contract (Hello/Welcome, echo) on Netty's NIO
 * transport, over raw TCP (varint32-delimited protobuf) or WebSocket (one Frame per binary message), with echo
 * answered on the event loop (written per frame, flushed once per read batch) or handed to a new virtual thread
 * per request, as a straightforward Netty application would.
 *
 * <pre>
 * java -cp jmh/target/benchmarks.jar io.tether.jmh.NettyEchoServer 127.0.0.1 7400 tcp eventloop 2
 * </pre>
 * Arguments: host, port, tcp|ws (ws serves /tether), eventloop|virtual, event loop threads.
 */
public final class NettyEchoServer {
    private NettyEchoServer() {
    }

    public static void main(String[] args) throws InterruptedException {
        final String host = args.length > 0 ? args[0] : "127.0.0.1";
        final int port = args.length > 1 ? Integer.parseInt(args[1]) : 7400;
        final boolean ws = args.length > 2 && args[2].equals("ws");
        final boolean virtual = args.length > 3 && args[3].equals("virtual");
        final int threads = args.length > 4 ? Integer.parseInt(args[4]) : Runtime.getRuntime().availableProcessors();
        final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        final ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    final ChannelPipeline p = ch.pipeline();
                    if (ws) {
                        p.addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                            new WebSocketServerProtocolHandler("/tether", "tether.v1", false, 1 << 20),
                            new WsEcho(virtual));
                    } else {
                        p.addLast(new ProtobufVarint32FrameDecoder(), new ProtobufDecoder(Frame.getDefaultInstance()),
                            new ProtobufVarint32LengthFieldPrepender(), new ProtobufEncoder(), new TcpEcho(virtual));
                    }
                }
            });
        b.bind(host, port).sync();
        System.out.println("netty " + (ws ? "ws" : "tcp") + " echo baseline on " + host + ":" + port + " ("
            + (virtual ? "virtual threads" : "event loop") + ", " + threads + " threads)");
        Thread.currentThread().join();
    }

    static Frame answer(Frame frame) {
        if (frame.hasHello()) {
            return Frame.newBuilder().setWelcome(Welcome.newBuilder().setSessionId("netty")).build();
        }
        return Frame.newBuilder().setResponse(Response.newBuilder().setId(frame.getRequest().getId())
            .setPayload(frame.getRequest().getPayload())).build();
    }

    private static final class TcpEcho extends SimpleChannelInboundHandler<Frame> {
        private final boolean virtual;

        TcpEcho(boolean virtual) {
            this.virtual = virtual;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
            if (virtual) {
                Thread.startVirtualThread(() -> ctx.writeAndFlush(answer(frame)));
            } else {
                ctx.write(answer(frame));
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }

    private static final class WsEcho extends SimpleChannelInboundHandler<BinaryWebSocketFrame> {
        private final boolean virtual;

        WsEcho(boolean virtual) {
            this.virtual = virtual;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, BinaryWebSocketFrame msg) throws IOException {
            final Frame frame;
            try (ByteBufInputStream in = new ByteBufInputStream(msg.content())) {
                frame = Frame.parseFrom(in);
            }
            if (virtual) {
                Thread.startVirtualThread(() -> ctx.writeAndFlush(binary(answer(frame))));
            } else {
                ctx.write(binary(answer(frame)));
            }
        }

        private static BinaryWebSocketFrame binary(Frame f) {
            final ByteBuf buf = Unpooled.wrappedBuffer(f.toByteArray());
            return new BinaryWebSocketFrame(buf);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }
}
