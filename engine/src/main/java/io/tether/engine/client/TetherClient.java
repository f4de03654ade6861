package io.tether.engine.client;

import com.google.protobuf.ByteString;
import io.tether.codec.GoodbyeCode;
import io.tether.codec.proto.Push;
import io.tether.codec.proto.Response;
import io.tether.codec.proto.Welcome;
import io.tether.engine.config.ListenAddress;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.EventLoop;
import io.tether.engine.reactor.LoopGroup;
import io.tether.engine.transport.Frames;
import io.tether.engine.transport.TcpTransport;
import io.tether.engine.transport.TlsTransport;
import io.tether.engine.transport.Transport;
import io.tether.engine.transport.Transports;
import io.tether.session.Backoff;
import io.tether.session.ClientState;
import io.tether.session.ClientStateMachine;
import io.tether.telemetry.Counters;
import io.tether.tls.TlsClientSettings;
import io.tether.tls.TlsContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tether client whose session survives its connections. When a connection is lost it reconnects with exponential
 * backoff and full jitter, resumes the session with its token and last push seq, re-sends the requests that got no
 * answer, and drops pushes it has already seen, so the application sees every push exactly once and in order.
 * It acks pushes, and takes a server that says nothing for {@code heartbeatMisses} heartbeat intervals for dead.
 *
 * <pre>{@code
 * try (TetherClient client = TetherClient.builder().clientId("me").onPush(p -> ...).connect("tcp://host:7000")) {
 *     Response r = client.request("echo", ByteString.copyFromUtf8("hi")).get();
 * }
 * }</pre>
 *
 * <p>States (listeners see every move): IDLE → CONNECTING → ESTABLISHED → RECONNECTING → CONNECTING … and FAILED
 * (a Goodbye that means "do not come back", or the retry budget spent), or CLOSED by {@link #close()}. The first
 * connect is not retried: {@link Builder#connect} throws if it fails. Pushes and responses are handed over on the
 * client's loop thread: hand heavy work elsewhere.
 */
public final class TetherClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TetherClient.class);
    /** Goodbye codes after which coming back is wrong (see PROTOCOL.md, section 5). */
    private static final Set<Integer> FINAL_CODES = Set.of(GoodbyeCode.NORMAL, GoodbyeCode.PROTOCOL_ERROR,
        GoodbyeCode.INVALID_FRAME, GoodbyeCode.FRAME_TOO_LARGE, GoodbyeCode.KICKED, GoodbyeCode.SESSION_TAKEN_OVER);
    private static final byte[] NO_TOKEN = new byte[0];
    private static volatile LoopGroup sharedLoops;

    private final InetSocketAddress address;
    private final Supplier<Transport> transports;
    private final EventLoop loop;
    private final String clientId;
    private final Map<String, String> metadata;
    private final Consumer<Push> onPush;
    private final Runnable onSessionLost;
    private final Duration timeout;
    private final boolean reconnect;
    private final int heartbeatMisses;
    private final Backoff backoff;
    private final ClientStateMachine states = new ClientStateMachine();
    private final PendingRequests<Connection> requests = new PendingRequests<>(Frames::enqueueRequest);
    private final CompletableFuture<TetherClosedException> closed = new CompletableFuture<>();
    private final CompletableFuture<Welcome> firstWelcome = new CompletableFuture<>();

    // ---- the loop's
    private Connection attempt;
    private byte[] token = NO_TOKEN;
    private long lastPushSeq;
    /** Numbers this client's Hellos (loop only), so the server can tell a late one from an old connection. */
    private long helloSeq;
    private int goodbyeCode;
    private String goodbyeReason;
    private long lastPingMs;
    private boolean watching;
    private long duplicatePushes;
    private long sessionsLost;

    // ---- any thread
    private volatile Welcome welcome;

    private TetherClient(Builder b, InetSocketAddress address, Supplier<Transport> transports) {
        this.address = address;
        this.transports = transports;
        this.loop = sharedLoops().next();
        this.clientId = b.clientId;
        this.metadata = Map.copyOf(b.metadata);
        this.onPush = b.onPush;
        this.onSessionLost = b.onSessionLost;
        this.timeout = b.timeout;
        this.reconnect = b.reconnect;
        this.heartbeatMisses = b.heartbeatMisses;
        this.backoff = new Backoff(b.backoffBase, b.backoffCap, b.maxRetries, ThreadLocalRandom.current());
        b.stateListeners.forEach(states::addListener);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The id of the current session (it changes only when a resume is refused and a new session starts). */
    public String sessionId() {
        return welcome.getSessionId();
    }

    /** The last Welcome: its {@code resumed} says whether the last connect resumed the session. */
    public Welcome welcome() {
        return welcome;
    }

    public ClientState state() {
        return states.state();
    }

    /** Adds a listener for every state move from now on (runs on the thread making the move; must not block). */
    public void addStateListener(ClientStateMachine.Listener listener) {
        states.addListener(listener);
    }

    /** The server's verified certificate identity (subject, SANs, chain) over tls:// or wss://; else null. */
    public io.tether.tls.PeerIdentity serverIdentity() {
        final Connection c = requests.live();
        return c != null && c.driver() instanceof TlsTransport t ? t.peer() : null;
    }

    /** Whether a connection serves the session now. */
    public boolean isOpen() {
        final Connection c = requests.live();
        return c != null && !c.isClosed();
    }

    /** Completes when the client is done for good (closed, or failed); the exception says why. */
    public CompletableFuture<TetherClosedException> closeFuture() {
        return closed;
    }

    public CompletableFuture<Response> request(String method, ByteString payload) {
        return request(method, payload, Map.of());
    }

    /**
     * Sends a request from any thread; the future completes on the client's loop thread. While the client is
     * reconnecting the request waits and goes out once the session is back; a request sent on a lost connection is
     * sent again after the resume, and the server answers it once.
     */
    public CompletableFuture<Response> request(String method, ByteString payload, Map<String, String> headers) {
        final CompletableFuture<Response> f = new CompletableFuture<>();
        if (states.state().isTerminal()) {
            f.completeExceptionally(closedCause());
            return f;
        }
        final Connection before = requests.live();
        if (before != null) {
            before.awaitWritable();
        }
        final long id = requests.send(method, payload, headers, f);
        if (states.state().isTerminal()) {
            requests.fail(id, closedCause()); // closed while it was being sent: the close's sweep may have missed it
        }
        return f;
    }

    private TetherClosedException closedCause() {
        return closed.getNow(new TetherClosedException(GoodbyeCode.NORMAL, "closed"));
    }

    /** The highest push seq received in this session. */
    public long lastPushSeq() {
        return onLoop(() -> lastPushSeq);
    }

    /** {@link #lastPushSeq()} for the client's loop, which reads it directly (once per read, so no lambda). */
    long lastPushSeqOnLoop() {
        return lastPushSeq;
    }

    /** Pushes received twice (replayed after a resume) and dropped, so the application saw each once. */
    public long duplicatePushesDropped() {
        return onLoop(() -> duplicatePushes);
    }

    /** Times a resume was refused and a new session started (pushes may have been missed then). */
    public long sessionsLost() {
        return onLoop(() -> sessionsLost);
    }

    /** Says Goodbye and closes; waits up to a second for the server to close its side. */
    @Override
    public void close() {
        if (!states.close("closed by the application")) {
            return;
        }
        loop.execute(() -> {
            final Connection c = attempt;
            if (c == null) {
                finish(GoodbyeCode.NORMAL, "closed by the application");
            } else {
                c.closeWithGoodbye(GoodbyeCode.NORMAL, "client closing");
                loop.schedule(1000, () -> c.closeNow(null));
            }
        });
        try {
            closed.get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("close did not complete in time", e);
        }
    }

    /**
     * Drops the connection at once with a TCP reset, without a Goodbye, as a network failure would (the client then
     * reconnects and resumes).
     */
    public void abort() {
        loop.execute(() -> {
            if (attempt != null) {
                attempt.resetNow();
            }
        });
    }

    // ---- the loop

    /** Opens a connection (the first, or a reconnect after the backoff delay). */
    private void connectNow() {
        if (!states.moveTo(ClientState.CONNECTING, attempt == null && token.length == 0 ? "connect" : "reconnect")) {
            return;
        }
        goodbyeCode = 0;
        final Connection c;
        try {
            final SocketChannel channel = SocketChannel.open();
            try {
                Transports.configure(channel);
                final boolean connected = channel.connect(address);
                c = new Connection(loop, channel, new ClientProtocol(this), transports.get());
                attempt = c;
                c.open(connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            attemptFailed(GoodbyeCode.GOING_AWAY, "connect failed: " + e);
            return;
        }
        loop.schedule(timeout.toMillis(), () -> {
            if (attempt == c && requests.live() != c) {
                c.closeNow(new IOException("no Welcome within " + timeout.toMillis() + " ms"));
            }
        });
    }

    /** Writes the Hello of a new connection. @return the push seq it says the client has */
    long sayHello(Connection c) {
        Frames.writeHello(c, clientId, token, lastPushSeq, metadata, ++helloSeq);
        return lastPushSeq;
    }

    void onWelcome(Connection c, Welcome w) {
        if (c != attempt) {
            return;
        }
        final boolean hadSession = token.length > 0;
        final boolean lost = hadSession && !w.getResumed();
        if (lost) {
            sessionsLost++;
            lastPushSeq = 0; // a new session counts its pushes from 1
        }
        token = w.getResumeToken().toByteArray();
        welcome = w;
        backoff.reset();
        goLive(c, w, hadSession, lost);
    }

    /**
     * Re-sends what is pending and makes {@code c} live (see {@link PendingRequests#tryGoLive}); if a sender holds
     * the send lock now, this runs again on the next loop cycle.
     */
    private void goLive(Connection c, Welcome w, boolean hadSession, boolean lost) {
        if (c != attempt) {
            return;
        }
        if (!requests.tryGoLive(c, lost)) {
            loop.execute(() -> goLive(c, w, hadSession, lost));
            return;
        }
        states.moveFrom(ClientState.CONNECTING, ClientState.ESTABLISHED,
            w.getResumed() ? "resumed" : hadSession ? "new session (the old one could not be resumed)" : "connected");
        if (lost && onSessionLost != null) {
            onSessionLost.run();
        }
        startWatchdog();
        firstWelcome.complete(w);
    }

    void onResponse(Response r) {
        requests.complete(r);
    }

    void onPush(Push p) {
        if (p.getSeq() <= lastPushSeq) {
            duplicatePushes++;
            return;
        }
        lastPushSeq = p.getSeq();
        try {
            onPush.accept(p);
        } catch (RuntimeException e) {
            LOG.warn("push listener failed on push {}", p.getSeq(), e);
        }
    }

    void onGoodbye(Connection c, int code, String reason) {
        if (c == attempt) {
            goodbyeCode = code;
            goodbyeReason = reason;
        }
    }

    void onConnectionClosed(Connection c, int code, String reason) {
        if (c != attempt) {
            return;
        }
        attempt = null;
        requests.connectionLost();
        final int why = goodbyeCode != 0 ? goodbyeCode : code;
        final String text = goodbyeCode != 0 ? goodbyeReason : reason;
        if (states.state() == ClientState.CLOSED) {
            finish(why, text);
        } else if (!firstWelcome.isDone()) {
            states.moveTo(ClientState.FAILED, text);
            finish(why, text);
        } else if (!reconnect || FINAL_CODES.contains(why)) {
            states.moveTo(ClientState.FAILED, "server said " + why + ": " + text);
            finish(why, text);
        } else {
            attemptFailed(why, text);
        }
    }

    /** A connection was lost or an attempt failed: wait out the backoff, then try again (or give up). */
    private void attemptFailed(int code, String reason) {
        if (!firstWelcome.isDone()) {
            states.moveTo(ClientState.FAILED, reason);
            finish(code, reason);
            return;
        }
        if (!states.moveTo(ClientState.RECONNECTING, reason)) {
            return; // closed meanwhile
        }
        final Optional<Duration> delay = backoff.nextDelay();
        if (delay.isEmpty()) {
            states.moveTo(ClientState.FAILED, "gave up after " + backoff.attempts() + " attempts: " + reason);
            finish(code, "gave up reconnecting: " + reason);
            return;
        }
        loop.schedule(delay.get().toMillis(), this::connectNow);
    }

    /** Checks the server's liveness a few times per heartbeat interval while the client lives. */
    private void startWatchdog() {
        if (watching) {
            return;
        }
        watching = true;
        watch();
    }

    private void watch() {
        final int heartbeatMs = welcome.getHeartbeatMs();
        if (states.state().isTerminal() || heartbeatMs <= 0) {
            watching = false;
            return;
        }
        final Connection c = requests.live();
        final long now = EventLoop.nowMs();
        if (c != null && !c.isClosing()) {
            final long silent = now - c.lastInboundMs();
            if (silent >= (long) heartbeatMisses * heartbeatMs) {
                LOG.debug("server silent for {} ms: taking the connection for dead", silent);
                c.closeNow(null);
            } else if (silent >= heartbeatMs && lastPingMs < c.lastInboundMs()) {
                lastPingMs = now;
                Frames.writePing(c, now);
            }
        }
        loop.schedule(Math.max(heartbeatMs / 4, 10), this::watch);
    }

    private void finish(int code, String reason) {
        final TetherClosedException e = new TetherClosedException(code, reason);
        closed.complete(e);
        firstWelcome.completeExceptionally(e);
        requests.failAll(e);
    }

    private long onLoop(java.util.function.LongSupplier read) {
        if (loop.inLoop()) {
            return read.getAsLong();
        }
        final CompletableFuture<Long> f = new CompletableFuture<>();
        loop.execute(() -> f.complete(read.getAsLong()));
        return f.join();
    }

    private void start() {
        loop.execute(this::connectNow);
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
        private Runnable onSessionLost;
        private Duration timeout = Duration.ofSeconds(10);
        private TlsContext tls;
        private boolean reconnect = true;
        private Duration backoffBase = Backoff.DEFAULT_BASE;
        private Duration backoffCap = Backoff.DEFAULT_CAP;
        private int maxRetries = Backoff.UNLIMITED;
        private int heartbeatMisses = 2;
        private final List<ClientStateMachine.Listener> stateListeners = new ArrayList<>();

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

        /** Receives every push once, in seq order, on the client's loop thread. */
        public Builder onPush(Consumer<Push> listener) {
            this.onPush = listener;
            return this;
        }

        /**
         * Called (on the loop) when a resume was refused and a new session started: pushes of the old session may
         * have been missed, so rebuild whatever state is derived from them.
         */
        public Builder onSessionLost(Runnable listener) {
            this.onSessionLost = listener;
            return this;
        }

        /** Sees every state move (IDLE, CONNECTING, ESTABLISHED, RECONNECTING, FAILED, CLOSED). */
        public Builder onStateChange(ClientStateMachine.Listener listener) {
            stateListeners.add(listener);
            return this;
        }

        /** How long a connect may take up to the Welcome. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Whether to reconnect and resume after losing a connection (default true). */
        public Builder reconnect(boolean reconnect) {
            this.reconnect = reconnect;
            return this;
        }

        /**
         * Reconnect delays: random in [0, min(cap, base × 2^attempt)], at most {@code maxRetries} attempts per outage
         * ({@link Backoff#UNLIMITED} for no limit). Defaults: 100 ms, 5 s, unlimited.
         */
        public Builder backoff(Duration base, Duration cap, int maxRetries) {
            this.backoffBase = base;
            this.backoffCap = cap;
            this.maxRetries = maxRetries;
            return this;
        }

        /** Heartbeat intervals of silence after which the server is taken for dead (default 2). */
        public Builder heartbeatMisses(int misses) {
            if (misses < 1) {
                throw new IllegalArgumentException("heartbeat misses must be at least 1, got " + misses);
            }
            this.heartbeatMisses = misses;
            return this;
        }

        /** The TLS settings for {@code tls://} and {@code wss://} targets: client certificate and trusted CAs. */
        public Builder tls(TlsClientSettings settings) {
            this.tls = TlsContext.forClient(settings);
            return this;
        }

        /** Connects over raw TCP, says Hello and waits for the Welcome. */
        public TetherClient connect(InetSocketAddress address) throws IOException {
            return connect(address, () -> TcpTransport.INSTANCE);
        }

        /**
         * Connects to {@code tcp://HOST:PORT}, {@code ws://HOST:PORT/PATH}, {@code tls://HOST:PORT} or
         * {@code wss://HOST:PORT/PATH}, says Hello, waits for the Welcome.
         */
        public TetherClient connect(String url) throws IOException {
            final ListenAddress target = ListenAddress.parse(url);
            final TlsContext context = tls;
            Transports.client(target, context); // fails now on a bad target rather than on the loop
            return connect(target.socketAddress(), () -> Transports.client(target, context));
        }

        private TetherClient connect(InetSocketAddress address, Supplier<Transport> transports) throws IOException {
            final TetherClient client = new TetherClient(this, address, transports);
            client.start();
            try {
                client.firstWelcome.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
                return client;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                client.abortForGood();
                throw new IOException("interrupted while connecting", e);
            } catch (ExecutionException e) {
                throw new IOException("connecting to " + address + " failed: " + e.getCause().getMessage(),
                    e.getCause());
            } catch (TimeoutException e) {
                client.abortForGood();
                throw new IOException("no Welcome from " + address + " within " + timeout.toMillis() + " ms");
            }
        }
    }

    /** Gives up a client whose first connect did not complete. */
    private void abortForGood() {
        states.close("connect abandoned");
        abort();
    }
}
