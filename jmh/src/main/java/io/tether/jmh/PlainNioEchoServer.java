package io.tether.jmh;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import io.tether.codec.proto.Frame;
import io.tether.codec.proto.Response;
import io.tether.codec.proto.Welcome;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The baseline for {@code tether bench}: the same wire contract (Hello/Welcome, echo) served by the plainest NIO
 * code one would write — N selector threads, a read and a write buffer per connection, protobuf's generated
 * parsers and builders, echo answered on the selector thread. It has none of tether's features (no virtual
 * threads, sessions, backpressure or limits); it shows what the machine does with the same bytes.
 *
 * <pre>
 * java -cp jmh/target/benchmarks.jar io.tether.jmh.PlainNioEchoServer 127.0.0.1 7300 2
 * </pre>
 */
public final class PlainNioEchoServer {
    private PlainNioEchoServer() {
    }

    public static void main(String[] args) throws IOException {
        final String host = args.length > 0 ? args[0] : "127.0.0.1";
        final int port = args.length > 1 ? Integer.parseInt(args[1]) : 7300;
        final int threads = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        final Worker[] workers = new Worker[threads];
        for (int i = 0; i < threads; i++) {
            workers[i] = new Worker();
            Thread.ofPlatform().name("baseline-" + i).start(workers[i]);
        }
        final ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(host, port), 4096);
        System.out.println("plain NIO echo baseline on " + host + ":" + port + " (" + threads + " threads)");
        int next = 0;
        while (true) {
            final SocketChannel ch = server.accept();
            ch.configureBlocking(false);
            ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            workers[next++ % threads].hand(ch);
        }
    }

    private static final class Worker implements Runnable {
        private final Selector selector;
        private final ConcurrentLinkedQueue<SocketChannel> incoming = new ConcurrentLinkedQueue<>();

        Worker() throws IOException {
            selector = Selector.open();
        }

        void hand(SocketChannel ch) {
            incoming.add(ch);
            selector.wakeup();
        }

        @Override
        public void run() {
            try {
                while (true) {
                    selector.select(this::onKey);
                    SocketChannel ch;
                    while ((ch = incoming.poll()) != null) {
                        ch.register(selector, SelectionKey.OP_READ,
                            new ByteBuffer[] {ByteBuffer.allocate(64 * 1024), ByteBuffer.allocate(64 * 1024)});
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private void onKey(SelectionKey key) {
            final SocketChannel ch = (SocketChannel) key.channel();
            final ByteBuffer[] buffers = (ByteBuffer[]) key.attachment();
            final ByteBuffer in = buffers[0];
            final ByteBuffer out = buffers[1];
            try {
                if (key.isWritable()) {
                    flush(key, ch, out);
                }
                if (!key.isValid() || !key.isReadable()) {
                    return;
                }
                if (ch.read(in) < 0) {
                    key.cancel();
                    ch.close();
                    return;
                }
                in.flip();
                while (true) {
                    in.mark();
                    final CodedInputStream header = CodedInputStream.newInstance(in.duplicate());
                    final int length;
                    try {
                        length = header.readRawVarint32();
                    } catch (IOException truncated) {
                        in.reset();
                        break;
                    }
                    final int headerLength = header.getTotalBytesRead();
                    if (in.remaining() < headerLength + length) {
                        in.reset();
                        break;
                    }
                    in.position(in.position() + headerLength);
                    final ByteBuffer body = in.slice(in.position(), length);
                    in.position(in.position() + length);
                    final Frame frame = Frame.parseFrom(body);
                    final Frame reply = frame.hasHello()
                        ? Frame.newBuilder().setWelcome(Welcome.newBuilder().setSessionId("baseline")).build()
                        : Frame.newBuilder().setResponse(Response.newBuilder().setId(frame.getRequest().getId())
                            .setPayload(frame.getRequest().getPayload())).build();
                    final int size = reply.getSerializedSize();
                    if (out.remaining() < size + 5) {
                        flush(key, ch, out);
                    }
                    final CodedOutputStream cos = CodedOutputStream.newInstance(out);
                    cos.writeUInt32NoTag(size);
                    reply.writeTo(cos);
                    cos.flush();
                }
                in.compact();
                flush(key, ch, out);
            } catch (IOException e) {
                key.cancel();
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }

        private static void flush(SelectionKey key, SocketChannel ch, ByteBuffer out) throws IOException {
            out.flip();
            ch.write(out);
            out.compact();
            key.interestOps(out.position() > 0 ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }
    }
}
