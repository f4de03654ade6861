package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.codec.proto.Frame;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.ConnectionLimits;
import io.tether.engine.reactor.EventLoop;
import io.tether.engine.reactor.LoopGroup;
import io.tether.engine.reactor.OutboundRing;
import io.tether.engine.server.Listener;
import io.tether.engine.transport.FrameHandler;
import io.tether.engine.transport.Frames;
import io.tether.engine.transport.TcpTransport;
import io.tether.telemetry.Counters;
import io.tether.telemetry.Metric;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A ring record is addressed to one connection: when that connection closes before the loop reads the record, and
 * a new connection has taken its slot in the loop's table, the record is dropped, not written to the newcomer. (A
 * client request addressed to its just-lost connection once reached the next connection ahead of the re-sent ones
 * before it, so the server ran them out of order.)
 */
class OutboundRingAddressTest {
    private static final FrameHandler SILENT = new FrameHandler() {
        private final ConnectionLimits limits = new ConnectionLimits(1 << 20, 1 << 20, 256 << 10, 30_000, 10_000);

        @Override
        public void onOpen(Connection c) {
        }

        @Override
        public void onFrame(Connection c, Frame frame) {
        }

        @Override
        public void onClosed(Connection c, int code, String reason) {
        }

        @Override
        public ConnectionLimits limits() {
            return limits;
        }
    };

    private final Counters counters = new Counters();
    private final LoopGroup loops = new LoopGroup("ring-address-test", 1, counters, true);

    @AfterEach
    void tearDown() {
        loops.close();
    }

    @Test
    @Timeout(30)
    void shouldDropARecordForAClosedConnectionRatherThanWriteItToTheNextInItsSlot() throws Exception {
        final EventLoop loop = loops.get(0);
        final OutboundRing ring = loop.outboundRing();
        try (ServerSocketChannel listener = ServerSocketChannel.open()
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel firstPeer = SocketChannel.open(listener.getLocalAddress());
             SocketChannel secondPeer = SocketChannel.open(listener.getLocalAddress())) {
            final Connection first = open(loop, listener.accept());

            // A sender addresses a record to the first connection; before it commits, that connection closes and a
            // second one takes its slot.
            final byte[] stale = "for the first connection".getBytes(StandardCharsets.US_ASCII);
            final int at = Frames.claim(first, ring, OutboundRing.FRAME, stale.length);
            ring.buffer().putBytes(at, stale);
            onLoop(loop, () -> first.closeNow(null));
            final Connection second = open(loop, listener.accept());
            assertThat(second.slot()).as("the second connection reuses the first one's slot").isEqualTo(first.slot());
            ring.commit(at);

            final byte[] marker = "for the second connection".getBytes(StandardCharsets.US_ASCII);
            final int markerAt = Frames.claim(second, ring, OutboundRing.FRAME, marker.length);
            ring.buffer().putBytes(markerAt, marker);
            ring.commit(markerAt);
            loop.wakeup();

            // The ring is read in order, so the stale record would have come first.
            assertThat(readExactly(secondPeer, marker.length)).isEqualTo(marker);
            assertThat(counters.total(Metric.UNDELIVERED)).isEqualTo(1);
        }
    }

    private static Connection open(EventLoop loop, SocketChannel accepted) throws Exception {
        Listener.configure(accepted);
        final Connection c = new Connection(loop, accepted, SILENT, TcpTransport.INSTANCE);
        onLoop(loop, () -> {
            try {
                c.open(SelectionKey.OP_READ);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return c;
    }

    private static void onLoop(EventLoop loop, Runnable task) throws Exception {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                task.run();
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        done.get(10, TimeUnit.SECONDS);
    }

    private static byte[] readExactly(SocketChannel peer, int length) throws IOException {
        final ByteBuffer in = ByteBuffer.allocate(length);
        while (in.hasRemaining()) {
            if (peer.read(in) < 0) {
                throw new IOException("closed after " + in.position() + " of " + length + " bytes");
            }
        }
        return in.array();
    }
}
