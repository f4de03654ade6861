package io.tether.engine;

import com.google.protobuf.ByteString;
import io.tether.codec.GoodbyeCode;
import io.tether.codec.proto.Push;
import io.tether.codec.proto.Response;
import io.tether.codec.proto.Welcome;
import io.tether.engine.config.ListenAddress;
import io.tether.tls.TlsClientSettings;
import io.tether.tls.TlsContext;
import io.tether.telemetry.Counters;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A tether client on the same kind of event loop as the server: connect, Hello, requests answered by futures,
 * and pushes delivered to a listener (on the loop thread: hand heavy work elsewhere).
 *
 * <pre>{@code
 * try (TetherClient client = TetherClient.builder().clientId("me").onPush(p -> ...).connect(address)) {
 *     Response r = client.request("echo", ByteString.copyFromUtf8("hi")).get();
 * }
 * }</pre>
 */
public final class TetherClient implements AutoCloseable {
    private static volatile LoopGroup sharedLoops;

    private final Connection connection;
    private final ClientProtocol protocol;
    private final Welcome welcome;
    private final AtomicLong nextId = new AtomicLong();

    private TetherClient(Connection connection, ClientProtocol protocol, Welcome welcome) {
        this.connection = connection;
        this.protocol = protocol;
        this.welcome = welcome;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String sessionId() {
        return welcome.getSessionId();
    }

    public Welcome welcome() {
        return welcome;
    }

    /** The server's verified certificate identity (subject, SANs, chain) over tls:// or wss://; else null. */
    public io.tether.tls.PeerIdentity serverIdentity() {
        return connection.transport() instanceof TlsTransport t ? t.peer() : null;
    }

    public boolean isOpen() {
        return !connection.isClosed();
    }

    /** Completes with the Goodbye (or loss) that closed this client. */
    public CompletableFuture<TetherClosedException> closeFuture() {
        return protocol.closed;
    }

    public CompletableFuture<Response> request(String method, ByteString payload) {
        return request(method, payload, Map.of());
    }

    /** Sends a request from any thread; the future completes on the client's loop thread. */
    public CompletableFuture<Response> request(String method, ByteString payload, Map<String, String> headers) {
        final long id = nextId.incrementAndGet();
        final CompletableFuture<Response> f = new CompletableFuture<>();
        if (connection.isClosed()) {
            f.completeExceptionally(protocol.closed.getNow(new TetherClosedException(GoodbyeCode.NORMAL, "closed")));
            return f;
        }
        protocol.pending.put(id, f);
        Frames.sendRequest(connection, id, method, payload, headers);
        return f;
    }

    /** Says Goodbye and closes; waits up to a second for the server to close its side. */
    @Override
    public void close() {
        if (connection.isClosed()) {
            return;
        }
        connection.loop().execute(() -> connection.closeWithGoodbye(GoodbyeCode.NORMAL, "client closing"));
        try {
            protocol.closed.get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            connection.loop().execute(() -> connection.closeNow(null));
        }
    }

    /** Drops the connection at once, without a Goodbye (for tests of abrupt loss). */
    public void abort() {
        connection.loop().execute(() -> connection.closeNow(null));
    }

    static LoopGroup sharedLoops() {
        LoopGroup loops = sharedLoops;
        if (loops == null) {
            synchronized (TetherClient.class) {
                loops = sharedLoops;
                if (loops == null) {
                    sharedLoops = loops = new LoopGroup("tether-client", 1, new Counters(), true);
                }
            }
        }
        return loops;
    }

    /** Options of a client. */
    public static final class Builder {
        private String clientId = "";
        private final Map<String, String> metadata = new HashMap<>();
        private Consumer<Push> onPush = p -> { };
        private Duration timeout = Duration.ofSeconds(10);
        private TlsContext tls;

        private Builder() {
        }

        public Builder clientId(String clientId) {
            this.clientId = clientId;
            return this;
        }

        public Builder metadata(String key, String value) {
            metadata.put(key, value);
            return this;
        }

        public Builder onPush(Consumer<Push> listener) {
            this.onPush = listener;
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Connects over raw TCP, says Hello and waits for the Welcome. */
        public TetherClient connect(InetSocketAddress address) throws IOException {
            return connect(address, TcpTransport.INSTANCE);
        }

        /** The TLS settings for {@code tls://} and {@code wss://} targets: client certificate and trusted CAs. */
        public Builder tls(TlsClientSettings settings) {
            this.tls = TlsContext.forClient(settings);
            return this;
        }

        /**
         * Connects to {@code tcp://HOST:PORT}, {@code ws://HOST:PORT/PATH}, {@code tls://HOST:PORT} or
         * {@code wss://HOST:PORT/PATH}, says Hello, waits for the Welcome.
         */
        public TetherClient connect(String url) throws IOException {
            final ListenAddress target = ListenAddress.parse(url);
            return connect(target.socketAddress(), clientTransport(target, tls));
        }

        private TetherClient connect(InetSocketAddress address, Transport transport) throws IOException {
            final EventLoop loop = sharedLoops().next();
            final ClientProtocol protocol = new ClientProtocol(clientId, metadata, onPush);
            final SocketChannel channel = SocketChannel.open();
            Listener.configure(channel);
            final boolean connected = channel.connect(address);
            final Connection c = new Connection(loop, channel, protocol, transport);
            loop.execute(() -> {
                try {
                    c.open(connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT);
                } catch (IOException e) {
                    protocol.welcome.completeExceptionally(e);
                    c.closeNow(e);
                }
            });
            try {
                final Welcome w = protocol.welcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                return new TetherClient(c, protocol, w);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                loop.execute(() -> c.closeNow(null));
                throw new IOException("interrupted while connecting", e);
            } catch (ExecutionException e) {
                throw new IOException("connecting to " + address + " failed: " + e.getCause().getMessage(),
                    e.getCause());
            } catch (TimeoutException e) {
                loop.execute(() -> c.closeNow(null));
                throw new IOException("no Welcome from " + address + " within " + timeout.toMillis() + " ms");
            }
        }
    }

    /** The client side of a listen address's transport; {@code tls} is needed for tls:// and wss://. */
    static Transport clientTransport(ListenAddress target, TlsContext tls) {
        final Transport plain = switch (target.scheme()) {
            case ListenAddress.WS, ListenAddress.WSS ->
                WebSocketTransport.client(target.host() + ":" + target.port(), target.path(), 64 << 20);
            case ListenAddress.TCP, ListenAddress.TLS -> TcpTransport.INSTANCE;
            default -> throw new IllegalArgumentException("a client connects to tcp://, ws://, tls:// or wss://, not "
                + target.scheme());
        };
        if (!target.isTls()) {
            return plain;
        }
        if (tls == null) {
            throw new IllegalArgumentException(target + " needs TLS settings (a CA to trust, and a client certificate"
                + " for mutual TLS)");
        }
        return new TlsTransport(plain, tls.newClientEngine(target.host(), target.port()), true);
    }
}
