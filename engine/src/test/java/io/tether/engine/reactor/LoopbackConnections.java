package io.tether.engine.reactor;

import io.tether.telemetry.Counters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Real event loops and real connected loopback sockets for engine tests: each connection is registered with its
 * loop like an accepted one, under the driver the test gives it (a transport, or a {@link RecordingDriver}), and the
 * other end of its socket is a blocking channel the test may read from.
 */
public final class LoopbackConnections implements AutoCloseable {
    private final Counters counters = new Counters();
    private final LoopGroup loops;
    private final ServerSocketChannel listener;
    private final Map<Connection, SocketChannel> peers = new ConcurrentHashMap<>();
    private final List<SocketChannel> sockets = new ArrayList<>();

    public LoopbackConnections(String name, int loopCount) throws IOException {
        loops = new LoopGroup(name, loopCount, counters, true);
        listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    public EventLoop loop(int i) {
        return loops.get(i);
    }

    public Counters counters() {
        return counters;
    }

    /** A connection on {@code loop} under {@code limits}, driven by {@code driver}; its peer never reads. */
    Connection open(EventLoop loop, ConnectionLimits limits, RecordingDriver driver) throws Exception {
        return open(loop, () -> limits, driver);
    }

    /** A connection on {@code loop}, opened on the loop as an accepted one is. */
    public Connection open(EventLoop loop, ConnectionHandler handler, ConnectionDriver driver) throws Exception {
        final SocketChannel peer = SocketChannel.open(listener.getLocalAddress());
        final SocketChannel accepted = listener.accept();
        sockets.add(peer);
        sockets.add(accepted);
        accepted.configureBlocking(false);
        accepted.setOption(StandardSocketOptions.TCP_NODELAY, true);
        final Connection c = new Connection(loop, accepted, handler, driver);
        peers.put(c, peer);
        onLoop(loop, () -> {
            try {
                c.open(SelectionKey.OP_READ);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return null;
        });
        return c;
    }

    /**
     * The other end of {@code c}'s socket, blocking; reads through its {@code socket().getInputStream()} give up
     * after ten seconds, so bytes that never come fail a test instead of hanging it.
     */
    public SocketChannel peer(Connection c) throws IOException {
        final SocketChannel peer = peers.get(c);
        peer.socket().setSoTimeout(10_000);
        return peer;
    }

    /** Runs {@code task} on {@code loop} and returns what it returned. */
    public static <T> T onLoop(EventLoop loop, Callable<T> task) throws Exception {
        final CompletableFuture<T> done = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                done.complete(task.call());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        return done.get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws IOException {
        loops.close();
        for (SocketChannel s : sockets) {
            s.close();
        }
        listener.close();
    }
}
