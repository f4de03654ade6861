package io.tether.engine.client;

import io.tether.telemetry.log.LogEvent;
import com.google.protobuf.ByteString;
import io.tether.codec.GoodbyeCode;
import io.tether.codec.proto.Push;
import io.tether.codec.proto.Response;
import io.tether.codec.proto.Welcome;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.EventLoop;
import io.tether.engine.reactor.LoopGroup;
import io.tether.engine.transport.Frames;
import io.tether.engine.transport.TlsTransport;
import io.tether.session.Backoff;
import io.tether.session.ClientState;
import io.tether.session.ClientStateMachine;
import io.tether.telemetry.Counters;
import io.tether.tls.TlsClientSettings;
import io.tether.tls.TlsContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A tether client whose session survives its connections. When a connection is lost it reconnects with exponential
 * backoff and full jitter, resumes the session with its token and last push seq, re-sends the requests that got no
 * answer, and drops pushes it has already seen, so the application sees every push exactly once and in order.
 * It acks pushes, and takes a server that says nothing for {@code heartbeatMisses} heartbeat intervals for dead.
 *
 * <pre>{@code
 * try (TetherClient client = TetherClient.builder().clientId("me").onPush(p -> ...)
 *         .connect(List.of("tcp://node-1:7000", "tcp://node-2:7000"))) {
 *     Response r = client.request("echo", ByteString.copyFromUtf8("hi")).get();
 * }
 * }</pre>
 *
 * <p>A client may know several nodes of a cluster, each URL with its own scheme (tcp, ws, tls, wss). The first
 * connect tries them in order until one gives a Welcome. Afterwards, each attempt after a lost connection or a
 * refusal (a Goodbye that is not final, a connect that fails, no Welcome in time) goes to the next one in the list,
 * round robin, after the backoff delay; a Goodbye 4009 (REDIRECT) sends the client at once to the node its
 * {@code reconnect_to} names, or else to the next one. Wherever it lands it resumes its session as it would on the
 * same node; a node that does not know the session starts a new one ({@link Builder#onSessionLost}).
 * {@link #endpoint()} says where the client is, and every move to another endpoint is logged at debug
 * ({@code client.endpoint.next}).
 *
 * <p>States (listeners see every move, each CONNECTING naming its endpoint): IDLE → CONNECTING → ESTABLISHED →
 * RECONNECTING → CONNECTING … and FAILED (a Goodbye that means "do not come back", or the retry budget spent), or
 * CLOSED by {@link #close()}. The first connect does not back off: {@link Builder#connect} throws once every endpoint
 * failed. Pushes and responses are handed over on the client's loop thread: hand heavy work elsewhere.
 *
 * <p>This class is the public face; the work is done by the pieces that outlive a connection: the
 * {@link ClientSession} (token, last push seq, duplicate pushes), the {@link PendingRequests} (ids, futures, the
 * re-send) and the {@link Reconnector} (the state machine, backoff, the choice of {@link Endpoints} and the server
 * watchdog), with a {@link ClientProtocol} per connection handing frames to them.
 */
public final class TetherClient implements AutoCloseable {
    private static final LogEvent CLOSE_TIMEOUT = LogEvent.debug(TetherClient.class, "client.close.timeout");
    private static volatile LoopGroup sharedLoops;

    private final EventLoop loop;
    private final ClientStateMachine states = new ClientStateMachine();
    private final ClientSession session;
    private final PendingRequests<Connection> requests = new PendingRequests<>(Frames::enqueueRequest);
    private final Reconnector reconnector;

    private TetherClient(Builder b, Endpoints endpoints) {
        this.loop = (b.loops != null ? b.loops : sharedLoops()).next();
        this.session = new ClientSession(b.clientId, b.metadata, b.onPush);
        this.reconnector = new Reconnector(loop, endpoints, states, session, requests, b);
        b.stateListeners.forEach(states::addListener);
    }

    /** Options of a new client; {@link Builder#connect} connects it. */
    public static Builder builder() {
        return new Builder();
    }

    /** The id of the current session (it changes only when a resume is refused and a new session starts). */
    public String sessionId() {
        return session.welcome().getSessionId();
    }

    /** The last Welcome: its {@code resumed} says whether the last connect resumed the session. */
    public Welcome welcome() {
        return session.welcome();
    }

    /** Where the client is now (IDLE, CONNECTING, ESTABLISHED, RECONNECTING, FAILED or CLOSED). */
    public ClientState state() {
        return states.state();
    }

    /** The URL of the endpoint the client is connected to, or tried last (as given, or as a redirect named it). */
    public String endpoint() {
        return reconnector.endpoint();
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
        return reconnector.closed();
    }

    /** {@link #request(String, ByteString, Map)} with no headers. */
    public CompletableFuture<Response> request(String method, ByteString payload) {
        return request(method, payload, Map.of());
    }

    /**
     * Sends a request from any thread; the future completes on the client's loop thread. When the calling thread
     * has a current OpenTelemetry span, its W3C {@code traceparent} goes in the request's headers. While the client
     * is reconnecting the request waits and goes out once the session is back; a request sent on a lost connection
     * is sent again after the resume, and the server answers it once.
     */
    public CompletableFuture<Response> request(String method, ByteString payload, Map<String, String> headers) {
        headers = TraceHeaders.withCurrentTrace(headers); // the caller's span, if any, becomes the server span's parent
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
        return reconnector.closed().getNow(new TetherClosedException(GoodbyeCode.NORMAL, "closed"));
    }

    /** The highest push seq received in this session. */
    public long lastPushSeq() {
        return onLoop(session::lastPushSeq);
    }

    /** Pushes received twice (replayed after a resume) and dropped, so the application saw each once. */
    public long duplicatePushesDropped() {
        return onLoop(session::duplicatePushes);
    }

    /** Times a resume was refused and a new session started (pushes may have been missed then). */
    public long sessionsLost() {
        return onLoop(session::sessionsLost);
    }

    /** Says Goodbye and closes; waits up to a second for the server to close its side. */
    @Override
    public void close() {
        if (!states.close("closed by the application")) {
            return;
        }
        reconnector.close();
        try {
            reconnector.closed().get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            CLOSE_TIMEOUT.fail(e);
        }
    }

    /**
     * Drops the connection at once with a TCP reset, without a Goodbye, as a network failure would (the client then
     * reconnects and resumes).
     */
    public void abort() {
        reconnector.abort();
    }

    /** Gives up a client whose first connect did not complete. */
    private void abortForGood() {
        states.close("connect abandoned");
        abort();
    }

    private long onLoop(LongSupplier read) {
        if (loop.inLoop()) {
            return read.getAsLong();
        }
        final CompletableFuture<Long> f = new CompletableFuture<>();
        loop.execute(() -> f.complete(read.getAsLong()));
        return f.join();
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
        String clientId = "";
        final Map<String, String> metadata = new HashMap<>();
        Consumer<Push> onPush = p -> { };
        Runnable onSessionLost;
        Duration timeout = Duration.ofSeconds(10);
        private TlsContext tls;
        boolean reconnect = true;
        Duration backoffBase = Backoff.DEFAULT_BASE;
        Duration backoffCap = Backoff.DEFAULT_CAP;
        int maxRetries = Backoff.UNLIMITED;
        int heartbeatMisses = 2;
        final List<ClientStateMachine.Listener> stateListeners = new ArrayList<>();
        LoopGroup loops;

        private Builder() {
        }

        /**
         * The event loops the client runs on (one of them, round robin); by default all clients of the process share
         * one loop. The caller owns {@code loops} and closes it after its clients.
         */
        public Builder loops(LoopGroup loops) {
            this.loops = loops;
            return this;
        }

        /** The client id its Hello says, which the server's handlers see as {@code call.clientId()}. */
        public Builder clientId(String clientId) {
            this.clientId = clientId;
            return this;
        }

        /** A key and value for its Hello's metadata. */
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
            return connectTo(List.of(Endpoint.tcp(address)));
        }

        /**
         * Connects to {@code tcp://HOST:PORT}, {@code ws://HOST:PORT/PATH}, {@code tls://HOST:PORT} or
         * {@code wss://HOST:PORT/PATH}, says Hello, waits for the Welcome.
         */
        public TetherClient connect(String url) throws IOException {
            return connect(List.of(url));
        }

        /**
         * Connects to the first of {@code urls} that gives a Welcome, trying them in order, and moves on to the next
         * one whenever a connection is lost later (see the class comment). Every URL is checked first: one that is
         * not a URL a client can connect to (tls:// and wss:// need {@link #tls}) throws an
         * {@link IllegalArgumentException} that names it. Throws an {@link IOException} that says why each endpoint
         * failed when none gave a Welcome.
         */
        public TetherClient connect(List<String> urls) throws IOException {
            final List<Endpoint> endpoints = new ArrayList<>(urls.size());
            for (String url : urls) {
                endpoints.add(Endpoint.parse(url, tls).resolved());
            }
            return connectTo(endpoints);
        }

        private TetherClient connectTo(List<Endpoint> endpoints) throws IOException {
            final TetherClient client = new TetherClient(this, new Endpoints(endpoints, tls));
            // Each endpoint may take the whole timeout, and so may the target of a redirect it sends.
            final long waitMs = 2L * endpoints.size() * timeout.toMillis() + 1000;
            client.reconnector.start();
            try {
                client.reconnector.firstWelcome().get(waitMs, TimeUnit.MILLISECONDS);
                return client;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                client.abortForGood();
                throw new IOException("interrupted while connecting", e);
            } catch (ExecutionException e) {
                throw new IOException("connecting failed: " + e.getCause().getMessage(), e.getCause());
            } catch (TimeoutException e) {
                client.abortForGood();
                throw new IOException("no Welcome from " + endpoints + " within " + waitMs + " ms");
            }
        }
    }
}
