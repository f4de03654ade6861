package io.tether.engine.server;

import com.google.protobuf.ByteString;
import io.tether.codec.GoodbyeCode;
import io.tether.engine.config.Dispatch;
import io.tether.engine.config.ListenAddress;
import io.tether.engine.config.TetherConfig;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.ConnectionLimits;
import io.tether.engine.reactor.EventLoop;
import io.tether.engine.reactor.LoopGroup;
import io.tether.engine.transport.FrameHandler;
import io.tether.engine.transport.WebSocketHandler;
import io.tether.engine.transport.Transports;
import io.tether.session.registry.SessionRegistry;
import io.tether.telemetry.CounterSet;
import io.tether.telemetry.Counters;
import io.tether.telemetry.Metric;
import io.tether.tls.ReloadingTlsContext;
import io.tether.tls.TlsMaterialException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tether server: event loops, listeners, sessions and the handlers registered by method name.
 *
 * <pre>{@code
 * TetherServer server = TetherServer.builder()
 *     .config(config)
 *     .onRequest("greet", call -> Reply.ok(ByteString.copyFromUtf8("hello " + call.clientId())))
 *     .start();
 * server.push(sessionId, "news", payload);   // from any thread
 * server.close();                             // graceful: Goodbye to everyone, handlers finish
 * }</pre>
 */
public final class TetherServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TetherServer.class);

    record Registration(RequestHandler handler, boolean inline) {
    }

    private final Map<String, Registration> handlers;
    private final Counters counters;
    private final LoopGroup loops;
    private final List<Listener> listeners = new ArrayList<>();
    private final ServerProtocol protocol = new ServerProtocol(this);
    private final FrameHandler rawProtocol = new RawWebSocketProtocol(this);
    private final Map<String, WebSocketHandler> webSocketHandlers;
    private final SessionRegistry<ServerSession> registry = new SessionRegistry<>(1024);
    private final Sessions sessions = new Sessions(registry);
    private final Map<EventLoop, DetachedSessions> detached = new IdentityHashMap<>();
    private final SessionListeners sessionListeners;
    /** Counters bumped from any thread (handlers, pushers). */
    private final CounterSet shared;
    private final ThreadFactory virtualThreads = Thread.ofVirtual().name("tether-handler-", 0).factory();
    private final AtomicLong inflight = new AtomicLong();
    private final ReentrantLock idleLock = new ReentrantLock();
    private final Condition idle = idleLock.newCondition();
    private volatile TetherConfig config;
    private volatile ConnectionLimits limits;
    private volatile boolean acceptingRequests = true;
    private volatile boolean closed;
    /** Whether every listener is bound (and the server not yet shutting down): what /readyz reports. */
    private volatile boolean ready;
    /** Whether the counters were made for this server from its config (then it closes them: the stat file). */
    private boolean ownsCounters;
    /** The admin endpoint (admin-listen), or null; it outlives the loops so /readyz can say "shutting down". */
    private AdminEndpoint admin;
    /** The OTLP metric export (otlp-endpoint), or null. */
    private io.tether.telemetry.OtelExport otel;
    /** Traces (trace-sample-ratio above 0), or null; spans come from {@link #requestSpans}. */
    private io.tether.telemetry.OtelTracing tracing;
    private volatile RequestSpans requestSpans;
    /** The TLS context of tls:// and wss:// listeners, swapped when its files change; null without them. */
    private final ReloadingTlsContext tls;

    private TetherServer(TetherConfig config, Map<String, Registration> handlers,
                         Map<String, WebSocketHandler> webSocketHandlers, Counters counters,
                         List<SessionListener> sessionListeners) {
        this.sessionListeners = new SessionListeners(sessionListeners);
        this.shared = counters.newSet("server");
        this.webSocketHandlers = Map.copyOf(webSocketHandlers);
        this.config = config;
        this.limits = limitsOf(config);
        this.handlers = Map.copyOf(handlers);
        this.counters = counters;
        // The loops first: if they cannot start there is no TLS watcher thread to leak.
        this.loops = new LoopGroup("tether-io", config.effectiveIoThreads(), counters, false);
        final long cachePerLoop = Math.max(1, config.sessionCacheBytes() / loops.size());
        for (int i = 0; i < loops.size(); i++) {
            detached.put(loops.get(i), new DetachedSessions(this, loops.get(i), cachePerLoop));
        }
        try {
            this.tls = config.listen().stream().anyMatch(ListenAddress::isTls)
                ? ReloadingTlsContext.start(config.tlsSettings(), new TlsReloadLog(counters), config.tlsReloadInterval())
                : null;
        } catch (RuntimeException e) {
            loops.close();
            throw e;
        }
    }

    /** The live TLS context (seconds to expiry, reload counts), or null when no listener uses TLS. */
    public ReloadingTlsContext tls() {
        return tls;
    }

    public static Builder builder() {
        return new Builder();
    }

    private void bind() throws IOException {
        final EventLoop acceptLoop = loops.get(0);
        for (ListenAddress address : config.listen()) {
            listeners.add(new Listener(address, acceptLoop, this));
        }
        final CountDownLatch registered = new CountDownLatch(1);
        final IOException[] failure = new IOException[1];
        acceptLoop.execute(() -> {
            try {
                for (Listener l : listeners) {
                    l.register();
                }
            } catch (IOException e) {
                failure[0] = e;
            } finally {
                registered.countDown();
            }
        });
        awaitUninterruptibly(registered);
        if (failure[0] != null) {
            throw failure[0];
        }
        final Heartbeats heartbeats = new Heartbeats(this);
        for (int i = 0; i < loops.size(); i++) {
            heartbeats.start(loops.get(i));
        }
        detached.values().forEach(DetachedSessions::start);
        ServerTelemetry.start(this, loopList());
        otel = ServerTelemetry.export(this);
        ready = true;
    }

    private List<EventLoop> loopList() {
        final List<EventLoop> all = new ArrayList<>(loops.size());
        for (int i = 0; i < loops.size(); i++) {
            all.add(loops.get(i));
        }
        return all;
    }

    /** The address the admin endpoint is bound to, or null when admin-listen is not set. */
    public InetSocketAddress adminAddress() {
        return admin == null ? null : admin.address();
    }

    /** Where request spans start, or null when tracing is off. */
    RequestSpans requestSpans() {
        return requestSpans;
    }

    SessionRegistry<ServerSession> sessionRegistry() {
        return registry;
    }

    /** Every listener is bound and the server is not shutting down. */
    public boolean isReady() {
        return ready && !closed;
    }

    public boolean isClosed() {
        return closed;
    }

    /** The addresses actually bound, in the order of {@code --listen} (useful with port 0). */
    public List<InetSocketAddress> boundAddresses() {
        return listeners.stream().map(Listener::boundAddress).toList();
    }

    public TetherConfig config() {
        return config;
    }

    public Counters counters() {
        return counters;
    }

    /** Sessions attached or detached (resumable). */
    public int sessionCount() {
        return registry.size();
    }

    /** The live sessions: count, lookup by id, iteration. */
    public Sessions sessions() {
        return sessions;
    }

    /**
     * Ends a session on purpose: its connection gets Goodbye 4003 with {@code reason}, and it cannot be resumed. A
     * detached session ends at once. Any thread. @return false when no live session has that id
     */
    public boolean kick(String sessionId, String reason) {
        final ServerSession session = registry.get(sessionId);
        if (session == null || !session.end(GoodbyeCode.KICKED, reason)) {
            return false;
        }
        shared.addShared(Metric.SESSIONS_KICKED, 1);
        return true;
    }

    /**
     * Takes over a connection another NIO server accepted: tether serves it from now on, as if it had accepted it.
     * The channel may be blocking or not; it must be connected.
     */
    public void adopt(SocketChannel channel) {
        adopt(channel, null);
    }

    /**
     * Takes over a connection as if it had been accepted on {@code listen}: a {@code ws://} address makes tether
     * expect the WebSocket upgrade first. {@code null} means raw TCP.
     */
    public void adopt(SocketChannel channel, ListenAddress listen) {
        final EventLoop loop = loops.next();
        final Runnable register = () -> {
            try {
                Listener.configure(channel);
                Listener.countAccepted(loop);
                final Connection c = newConnection(loop, channel, listen);
                c.open(SelectionKey.OP_READ);
                c.armHandshakeDeadline();
            } catch (IOException e) {
                LOG.debug("could not register an accepted connection", e);
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // nothing more to do with it
                }
            }
        };
        loop.runInLoop(register);
    }

    /**
     * Pushes a message to a session, from any thread. Pushes to one session are numbered by {@code seq} in the order
     * they were made and arrive in that order, exactly once, across reconnects: each is kept in the session's outbox
     * until the client acknowledges it. A virtual or platform thread waits while the session's backlog is over the
     * high watermark; an event loop never waits.
     *
     * @return {@link PushResult#DELIVERED} (sent to its connection), {@link PushResult#QUEUED} (the session is
     *         detached; sent when it resumes) or {@link PushResult#UNKNOWN}
     * @throws IllegalArgumentException when the push alone is larger than {@code --session-outbox-bytes}
     */
    public PushResult push(String sessionId, String topic, ByteString payload) {
        final ServerSession session = registry.get(sessionId);
        return session == null ? PushResult.UNKNOWN : session.push(topic, payload);
    }

    public PushResult push(String sessionId, String topic, byte[] payload) {
        return push(sessionId, topic, ByteString.copyFrom(payload));
    }

    private Connection newConnection(EventLoop loop, SocketChannel channel, ListenAddress listen) {
        final WebSocketHandler raw = Transports.rawHandler(listen, webSocketHandlers);
        return new Connection(loop, channel, raw == null ? protocol : rawProtocol,
            Transports.server(listen, raw, config.maxFrameSize(), () -> tls.current().newServerEngine()));
    }

    // ---- called by the protocol

    Registration registration(String method) {
        return handlers.get(method);
    }

    ConnectionLimits limits() {
        return limits;
    }

    boolean acceptingRequests() {
        return acceptingRequests;
    }

    void startVirtual(Runnable task) {
        virtualThreads.newThread(task).start();
    }

    /** Gives a pending session a fresh id and secret and registers it (its loop). */
    void open(ServerSession session, EventLoop loop, String clientId, long helloSeq) {
        final java.security.SecureRandom random = loop.random();
        while (true) {
            final long high = random.nextLong();
            final long low = random.nextLong();
            session.establish(high, low, random.nextLong(), random.nextLong(), clientId, helloSeq);
            if (registry.putIfAbsent(high, low, session) == null) {
                break;
            }
        }
        loop.counters().increment(Metric.SESSIONS_OPENED);
        sessionListeners.connected(session);
    }

    /** The session a resume token names if its secret matches, else null. */
    ServerSession sessionForToken(byte[] token) {
        if (token.length != ServerSession.TOKEN_LENGTH) {
            return null;
        }
        final java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(token); // big-endian: id, then secret
        final ServerSession s = registry.get(b.getLong(0), b.getLong(8));
        return s != null && s.secretMatches(b.getLong(16), b.getLong(24)) ? s : null;
    }

    /** A session ended for good: it leaves the registry (any thread). */
    void sessionEnded(ServerSession session, String why) {
        registry.remove(session.idHigh(), session.idLow(), session);
        sessionListeners.ended(session, why);
    }

    DetachedSessions detachedSessions(EventLoop loop) {
        return detached.get(loop);
    }

    SessionListeners listeners() {
        return sessionListeners;
    }

    CounterSet sharedCounters() {
        return shared;
    }

    void requestStarted() {
        inflight.incrementAndGet();
    }

    void requestDone() {
        if (inflight.decrementAndGet() == 0 && !acceptingRequests) {
            idleLock.lock();
            try {
                idle.signalAll();
            } finally {
                idleLock.unlock();
            }
        }
    }

    private static ConnectionLimits limitsOf(TetherConfig c) {
        return new ConnectionLimits(c.maxFrameSize(), c.writeHighWatermark(), c.writeLowWatermark(),
            c.slowConsumerTimeout().toMillis(), c.handshakeTimeout().toMillis());
    }

    // ---- shutdown

    /** Graceful shutdown with the configured grace period. */
    @Override
    public void close() {
        shutdown(config.shutdownGrace());
    }

    /**
     * Stops accepting, answers new requests with UNAVAILABLE, lets in-flight handlers finish within {@code grace},
     * sends every session a Goodbye (1001) after its last response, and stops the loops.
     */
    public void shutdown(Duration grace) {
        if (closed) {
            return;
        }
        closed = true;
        ready = false;
        final CountDownLatch stopped = new CountDownLatch(1);
        loops.get(0).execute(() -> {
            listeners.forEach(Listener::closeNow);
            stopped.countDown();
        });
        awaitUninterruptibly(stopped);
        acceptingRequests = false;
        final long deadline = System.nanoTime() + grace.toNanos();
        idleLock.lock();
        try {
            while (inflight.get() > 0) {
                final long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warn("{} handlers still running after the {} ms grace period", inflight.get(),
                        grace.toMillis());
                    break;
                }
                idle.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            idleLock.unlock();
        }
        final CountDownLatch goodbyes = new CountDownLatch(loops.size());
        for (int i = 0; i < loops.size(); i++) {
            final EventLoop loop = loops.get(i);
            loop.execute(() -> {
                // Responses already in the ring go out before the Goodbye.
                loop.drainOutbound();
                loop.forEachConnection(c -> c.closeWithGoodbye(GoodbyeCode.GOING_AWAY, "server shutting down"));
                goodbyes.countDown();
            });
        }
        awaitUninterruptibly(goodbyes);
        awaitDrained(Duration.ofSeconds(2));
        loops.close();
        if (tls != null) {
            tls.close();
        }
        registry.close();
        if (admin != null) {
            admin.close();
        }
        if (otel != null) {
            otel.close(); // a last export, with the final totals
        }
        if (tracing != null) {
            tracing.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (ownsCounters) {
            counters.close();
        }
    }

    /** Releases what a start that could not listen had opened: the listeners that did bind, loops, TLS watcher. */
    private void closeAfterFailedBind() {
        listeners.forEach(Listener::closeNow);
        loops.close();
        registry.close();
        if (tls != null) {
            tls.close();
        }
        if (otel != null) {
            otel.close(); // a last export, with the final totals
        }
        if (tracing != null) {
            tracing.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (ownsCounters) {
            counters.close();
        }
    }

    /** Waits (briefly) until every connection has finished its close handshake. */
    private void awaitDrained(Duration max) {
        final long deadline = System.nanoTime() + max.toNanos();
        while (counters.openConnections() > 0 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Builds and starts a server. */
    public static final class Builder {
        private TetherConfig config;
        private final Map<String, Registration> handlers = new HashMap<>();
        private final Map<String, WebSocketHandler> webSocketHandlers = new HashMap<>();
        private boolean builtins = true;
        private Counters counters;
        private final List<SessionListener> sessionListeners = new ArrayList<>();

        private Builder() {
        }

        public Builder config(TetherConfig config) {
            this.config = config;
            return this;
        }

        /** A handler that runs on a virtual thread and may block. */
        public Builder onRequest(String method, RequestHandler handler) {
            handlers.put(method, new Registration(handler, false));
            return this;
        }

        /** A handler that runs on the event loop: it must never block (no I/O, no locks, no sleeping). */
        public Builder onRequestInline(String method, RequestHandler handler) {
            handlers.put(method, new Registration(handler, true));
            return this;
        }

        /**
         * Serves plain WebSocket messages on the {@code ws://} listeners whose path is {@code path}, instead of
         * tether frames: for embedders' own protocols.
         */
        public Builder onWebSocket(String path, WebSocketHandler handler) {
            webSocketHandlers.put(path, handler);
            return this;
        }

        /** Leaves out the built-in methods ({@code echo}, {@code send}). */
        public Builder withoutBuiltins() {
            builtins = false;
            return this;
        }

        /** Hears of sessions opening, resuming, losing their connection and ending (on the event loop). */
        public Builder sessionListener(SessionListener listener) {
            sessionListeners.add(listener);
            return this;
        }

        /** Called on the event loop when a Hello opens a new session. */
        public Builder onConnect(java.util.function.Consumer<Session> hook) {
            return sessionListener(new SessionListener() {
                @Override
                public void onConnect(Session session) {
                    hook.accept(session);
                }
            });
        }

        /** Called on the event loop when a session resumes on a new connection. */
        public Builder onResume(java.util.function.Consumer<Session> hook) {
            return sessionListener(new SessionListener() {
                @Override
                public void onResume(Session session) {
                    hook.accept(session);
                }
            });
        }

        /** Called on the event loop when a session's connection closes (the session is then detached or ended). */
        public Builder onDisconnect(java.util.function.BiConsumer<Session, String> hook) {
            return sessionListener(new SessionListener() {
                @Override
                public void onDisconnect(Session session, int code, String reason) {
                    hook.accept(session, reason);
                }
            });
        }

        public Builder counters(Counters counters) {
            this.counters = counters;
            return this;
        }

        public TetherServer start() {
            final TetherConfig c = config != null ? config : TetherConfig.defaults();
            final Map<String, Registration> all = new HashMap<>();
            if (builtins) {
                final boolean inline = c.dispatch() == Dispatch.INLINE;
                BuiltinMethods.all().forEach((name, h) -> all.put(name, new Registration(h, inline)));
            }
            all.putAll(handlers);
            final TetherServer server;
            final Counters made = counters != null ? null : ServerTelemetry.countersFor(c);
            try {
                server = new TetherServer(c, all, webSocketHandlers, counters != null ? counters : made,
                    sessionListeners);
            } catch (RuntimeException e) {
                if (made != null) {
                    made.close();
                }
                if (e instanceof TlsMaterialException t) {
                    throw new IllegalStateException("cannot serve TLS: " + t.getMessage(), t);
                }
                throw e;
            }
            server.ownsCounters = made != null;
            try {
                server.admin = AdminEndpoint.start(server); // before the listeners: /readyz says "starting"
                server.tracing = ServerTelemetry.tracing(server.config());
                server.requestSpans = server.tracing == null ? null : new RequestSpans(server.tracing.tracer());
                server.bind();
            } catch (IOException e) {
                server.closeAfterFailedBind();
                throw new UncheckedIOException("cannot listen: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                server.closeAfterFailedBind();
                throw e;
            }
            return server;
        }
    }
}
