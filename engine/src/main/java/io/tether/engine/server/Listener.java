package io.tether.engine.server;

import io.tether.telemetry.log.LogEvent;
import io.tether.engine.config.ListenAddress;
import io.tether.engine.reactor.EventLoop;
import io.tether.engine.reactor.Selectable;
import io.tether.telemetry.Metric;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** A listening socket, served by one loop, that hands each accepted connection to the next loop of the group. */
public final class Listener implements Selectable {
    private static final LogEvent FAILED = LogEvent.warn(Listener.class, "listener.failed");
    private static final LogEvent ACCEPT_FAILED = LogEvent.warn(Listener.class, "listener.accept.failed");
    private static final LogEvent CLOSE_FAILED = LogEvent.debug(Listener.class, "listener.close.failed");
    private static final int ACCEPTS_PER_EVENT = 64;
    /** How long accepting pauses after an accept failed (out of file descriptors). */
    private static final long ACCEPT_RETRY_MS = 100;

    private final ListenAddress address;
    private final ServerSocketChannel channel;
    private final EventLoop loop;
    private final TetherServer server;
    /** Connections admitted on this listener and not yet closed (max-listener-connections). */
    private final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
    private final io.tether.engine.admission.HandshakeBreaker breaker;
    private SelectionKey key;

    Listener(ListenAddress address, EventLoop loop, TetherServer server) throws IOException {
        this.address = address;
        this.loop = loop;
        this.server = server;
        this.breaker = new io.tether.engine.admission.HandshakeBreaker(System.nanoTime(),
            () -> server.sharedCounters().addShared(Metric.BREAKER_OPENS, 1));
        this.channel = ServerSocketChannel.open();
        channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        channel.bind(address.socketAddress(), 4096);
        channel.configureBlocking(false);
    }

    InetSocketAddress boundAddress() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            return address.socketAddress();
        }
    }

    ListenAddress address() {
        return address;
    }

    void register() throws IOException {
        key = channel.register(loop.selector(), SelectionKey.OP_ACCEPT, this);
    }

    java.util.concurrent.atomic.AtomicInteger open() {
        return open;
    }

    io.tether.engine.admission.HandshakeBreaker breaker() {
        return breaker;
    }

    /** Stops accepting: the kernel's backlog holds new connections (the accept loop). */
    void pause() {
        if (key != null && key.isValid()) {
            key.interestOps(0);
        }
    }

    /** Accepts again (the accept loop). */
    void resume() {
        if (key != null && key.isValid()) {
            key.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    @Override
    public void onSelected(SelectionKey key) {
        onAcceptable();
    }

    @Override
    public void onFailure(Throwable cause) {
        FAILED.fail(cause, "listener", address);
    }

    private void onAcceptable() {
        for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
            final SocketChannel accepted;
            try {
                accepted = channel.accept();
            } catch (IOException e) {
                // Typically out of file descriptors. The listener stays ready while the connection waits in the
                // backlog, so retrying at once would spin the loop and starve its sessions: pause, retry shortly.
                ACCEPT_FAILED.log("listener", address, "error", e.toString(), "retry_ms", ACCEPT_RETRY_MS);
                pause();
                loop.schedule(ACCEPT_RETRY_MS, () -> {
                    if (channel.isOpen() && server.admission().accepting()) {
                        resume();
                    }
                });
                return;
            }
            if (accepted == null) {
                return;
            }
            server.admission().offer(accepted, this);
            if (!server.admission().accepting()) {
                return; // the queue filled up, or shedding began: the rest wait in the backlog
            }
        }
    }

    @Override
    public void closeNow() {
        try {
            channel.close();
        } catch (IOException e) {
            CLOSE_FAILED.fail(e, "listener", address);
        }
    }

    public static void configure(SocketChannel channel) throws IOException {
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    }

    static void countAccepted(EventLoop loop) {
        loop.counters().increment(Metric.CONNECTIONS_ACCEPTED);
    }
}
