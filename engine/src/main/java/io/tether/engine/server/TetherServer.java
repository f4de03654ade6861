package io.tether.engine.server;

import com.google.protobuf.ByteString;
import io.tether.codec.GoodbyeCode;
import io.tether.engine.admission.OpenFiles;
import io.tether.engine.config.ListenAddress;
import io.tether.engine.config.LiveConfig;
import io.tether.engine.config.TetherConfig;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.ConnectionLimits;
import io.tether.engine.reactor.EventLoop;
import io.tether.engine.reactor.LoopGroup;
import io.tether.engine.transport.FrameHandler;
import io.tether.engine.transport.Transports;
import io.tether.engine.transport.WebSocketHandler;
import io.tether.telemetry.CounterSet;
import io.tether.telemetry.Counters;
import io.tether.telemetry.Metric;
import io.tether.telemetry.OtelExport;
import io.tether.telemetry.OtelTracing;
import io.tether.telemetry.log.LogEvent;
import io.tether.tls.ReloadingTlsContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

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
    /** The connections the process's open-file limit leaves room for, past which admission refuses new ones. */
    private static final LogEvent OPEN_FILE_LIMIT = LogEvent.info(TetherServer.class, "admission.open.files");
    /** A paced redirect (a drain) sends its clients away in slices this far apart. */
    private static final long REDIRECT_TICK_MS = 10;
    private static final LogEvent LOOP_UNRESPONSIVE = LogEvent.warn(TetherServer.class, "loop.unresponsive");
    /** How long start waits for the accept loop to register the listeners. */
    private static final Duration START_STEP_WAIT = Duration.ofSeconds(10);
    private static final LogEvent REGISTER_FAILED = LogEvent.debug(TetherServer.class,
        "connection.register.failed");

    private final Counters counters;
    private final LoopGroup loops;
    private final List<Listener> listeners = new ArrayList<>();
    /** Admission control, run by the accept loop (loop 0); made when the listeners bind. */
    private volatile Admission admission;
    private final Map<String, WebSocketHandler> webSocketHandlers;
    private final SessionDirectory directory;
    private final Sessions sessions;
    private final Dispatcher dispatcher;
    /** The cluster this server is a node of, or null. */
    private final Cluster cluster;
    private final ServerProtocol protocol;
    private final FrameHandler rawProtocol;
    private final Map<EventLoop, DetachedSessions> detached = new IdentityHashMap<>();
    /** Counters bumped from any thread (handlers, pushers). */
    private final CounterSet shared;
    private final Heartbeats heartbeats = new Heartbeats(this);
    /** Stops following the live config, or null when the config is fixed. */
    private Runnable unfollow;
    private volatile TetherConfig config;
    private volatile ConnectionLimits limits;
    private volatile boolean closed;
    private volatile boolean stopRequested;
    private volatile java.util.function.Consumer<String> stopHandler;
    /** Whether every listener is bound (and the server not yet shutting down): what /readyz reports. */
    private volatile boolean ready;
    /** Whether the counters were made for this server from its config (then it closes them: the stat file). */
    private final boolean ownsCounters;
    /** The admin endpoint (admin-listen), or null; it outlives the loops so /readyz can say "shutting down". */
    private AdminEndpoint admin;
    /** The OTLP metric export (otlp-endpoint), or null. */
    private OtelExport otel;
    /** Traces (trace-sample-ratio above 0), or null; the dispatcher's request spans come from it. */
    private OtelTracing tracing;
    /** The TLS context of tls:// and wss:// listeners, swapped when its files change; null without them. */
    private final ReloadingTlsContext tls;

    TetherServer(TetherConfig config, Map<String, Dispatcher.Registration> handlers,
                 Map<String, WebSocketHandler> webSocketHandlers, Counters counters, boolean ownsCounters,
                 List<SessionListener> sessionListeners, Consumer<Reply> encodingHook, Cluster cluster) {
        this.cluster = cluster;
        this.shared = counters.newSet("server");
        this.webSocketHandlers = Map.copyOf(webSocketHandlers);
        this.config = config;
        this.limits = limitsOf(config);
        this.counters = counters;
        this.ownsCounters = ownsCounters;
        this.directory = new SessionDirectory(sessionListeners, cluster);
        this.sessions = new Sessions(directory.registry());
        this.dispatcher = new Dispatcher(handlers, this::config, shared, encodingHook);
        this.protocol = new ServerProtocol(this, dispatcher, directory);
        this.rawProtocol = new RawWebSocketProtocol(this::limits);
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

    /** A builder of a server: its config, handlers and listeners; {@link TetherServerBuilder#start()} starts it. */
    public static TetherServerBuilder builder() {
        return new TetherServerBuilder();
    }

    /**
     * Starts what the config asks for besides the loops, then binds the listeners; on failure releases everything.
     * The admin endpoint comes first, so /readyz says "starting" until every listener is bound.
     */
    void start() {
        try {
            admin = AdminEndpoint.start(this);
            tracing = ServerTelemetry.tracing(config);
            dispatcher.traceWith(tracing == null ? null : new RequestSpans(tracing.tracer(), config.traceSampleRatio()));
            if (cluster != null) {
                cluster.start(this, counters);
            }
            bind();
            if (cluster != null) {
                cluster.serving();
            }
        } catch (IOException e) {
            closeAfterFailedBind();
            throw new UncheckedIOException("cannot listen: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeAfterFailedBind();
            throw e;
        }
    }

    private void bind() throws IOException {
        final EventLoop acceptLoop = loops.get(0);
        for (ListenAddress address : config.listen()) {
            listeners.add(new Listener(address, acceptLoop, this));
        }
        final List<LoopLagProbe> probes = new ArrayList<>(loops.size());
        for (int i = 0; i < loops.size(); i++) {
            final EventLoop loop = loops.get(i);
            final LoopLagProbe probe = new LoopLagProbe(loop.counters(), System.nanoTime());
            probes.add(probe);
            loop.execute(() -> loop.addAgent(probe));
        }
        final int fileCeiling = OpenFiles.connectionCeiling();
        if (fileCeiling < Integer.MAX_VALUE) {
            OPEN_FILE_LIMIT.log("connections", fileCeiling, "max_connections", config.maxConnections());
        }
        final CountDownLatch registered = new CountDownLatch(1);
        final IOException[] failure = new IOException[1];
        acceptLoop.execute(() -> {
            try {
                final Admission a = new Admission(acceptLoop, config.admission(), fileCeiling,
                    (channel, listener, ticket) -> adopt(channel, listener.address(), ticket));
                a.listeners(listeners);
                acceptLoop.addAgent(a);
                a.shedWith(probes);
                admission = a;
                for (Listener l : listeners) {
                    l.register();
                }
            } catch (IOException e) {
                failure[0] = e;
            } finally {
                registered.countDown();
            }
        });
        if (!awaitUninterruptibly(registered, "register listeners", START_STEP_WAIT)) {
            throw new IOException("the accept loop did not register the listeners within " + START_STEP_WAIT);
        }
        if (failure[0] != null) {
            throw failure[0];
        }
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


    /** Every listener is bound and the server is not shutting down. */
    public boolean isReady() {
        return ready && !closed;
    }

    /** Whether shutdown has begun ({@link #close()}, {@link #shutdown} or a stop request). */
    public boolean isClosed() {
        return closed;
    }

    /** The addresses actually bound, in the order of {@code --listen} (useful with port 0). */
    public List<InetSocketAddress> boundAddresses() {
        return listeners.stream().map(Listener::boundAddress).toList();
    }

    /** The config in force: the one it started with, or the last change a followed {@link LiveConfig} applied. */
    public TetherConfig config() {
        return config;
    }

    /** The server's counters and histograms, as {@code tether stat}, {@code /metrics} and OTLP read them. */
    public Counters counters() {
        return counters;
    }

    /** Sessions attached or detached (resumable). */
    public int sessionCount() {
        return directory.size();
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
        final Boolean here = kickHere(sessionId, reason);
        if (here != null) {
            return here;
        }
        if (cluster == null) {
            return false;
        }
        shared.addShared(Metric.PUSHES_FORWARDED, 1);
        return cluster.forwardKick(sessionId, reason);
    }

    /**
     * For the cluster: a kick of a session only if this node holds it. @return whether it ended it, or null when
     * the session is not here (never was, or moved to another node)
     */
    public Boolean kickHere(String sessionId, String reason) {
        final ServerSession session = directory.get(sessionId);
        if (session == null || session.moved()) {
            return null;
        }
        if (!session.end(GoodbyeCode.KICKED, reason)) {
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
        adopt(channel, listen, null);
    }

    /** Adopts an admitted connection: it holds {@code ticket} (null: not admitted by a listener) until it closes. */
    private void adopt(SocketChannel channel, ListenAddress listen, Admission.Ticket ticket) {
        final EventLoop loop = loops.next();
        final Runnable register = () -> {
            try {
                Listener.configure(channel);
                Listener.countAccepted(loop);
                final Connection c = newConnection(loop, channel, listen);
                c.admitted(ticket);
                c.open(SelectionKey.OP_READ);
                c.armHandshakeDeadline();
            } catch (IOException e) {
                if (ticket != null) {
                    ticket.release();
                }
                REGISTER_FAILED.fail(e, "listener", listen);
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
        final PushResult here = pushHere(sessionId, topic, payload);
        if (here != null) {
            return here;
        }
        if (cluster == null) {
            return PushResult.UNKNOWN;
        }
        shared.addShared(Metric.PUSHES_FORWARDED, 1);
        return cluster.forwardPush(sessionId, topic, payload);
    }

    /**
     * For the cluster: a push to a session only if this node holds it, as {@link #push} answers. @return null when
     * the session is not here (never was, or moved to another node)
     */
    public PushResult pushHere(String sessionId, String topic, ByteString payload) {
        final ServerSession session = directory.get(sessionId);
        return session == null ? null : session.push(topic, payload);
    }

    /**
     * For the cluster: hands the session a resume token names over to another node, where its client resumed it
     * (see {@link ServerSession#handOver}). Not on an event loop.
     *
     * @param wait how long its running handlers may take to answer before the hand-over is given up
     * @return its image, or null when this node does not hold it (or the token is wrong) or cannot hand it over
     */
    public SessionImage handOver(byte[] token, Duration wait) {
        final ServerSession session = directory.forToken(token);
        final SessionImage image = session == null ? null : session.handOver(System.nanoTime() + wait.toNanos());
        if (image != null) {
            shared.addShared(Metric.SESSIONS_HANDED_OUT, 1);
        }
        return image;
    }

    /**
     * For the cluster's drain: tells every client connected now to reconnect to another node ({@code target} picks
     * one per connection, "" for none), and resume its session there, at most {@code perSecond} clients a second
     * over all loops (0: all at once), so the other nodes take the sessions over at a pace they can serve. The
     * sessions stay here, detached, until the other nodes take them over.
     */
    public void redirectAll(Supplier<String> target, String reason, int perSecond) {
        final int perTick = perSecond <= 0 ? Integer.MAX_VALUE
            : Math.max(1, (int) ((long) perSecond * REDIRECT_TICK_MS / 1000 / loops.size()));
        for (int i = 0; i < loops.size(); i++) {
            final EventLoop loop = loops.get(i);
            loop.execute(() -> {
                final List<Connection> all = new ArrayList<>();
                loop.forEachConnection(all::add);
                redirectFrom(loop, all, 0, perTick, target, reason);
            });
        }
    }

    /** Redirects {@code all[from, from + count)} now and schedules the rest, a slice per tick (the loop's). */
    private static void redirectFrom(EventLoop loop, List<Connection> all, int from, int count,
                                     Supplier<String> target, String reason) {
        final int end = (int) Math.min(all.size(), (long) from + count);
        for (int i = from; i < end; i++) {
            final Connection c = all.get(i);
            if (!c.isClosing()) {
                ServerProtocol.redirect(c, target.get(), reason);
            }
        }
        if (end < all.size()) {
            loop.schedule(REDIRECT_TICK_MS, () -> redirectFrom(loop, all, end, count, target, reason));
        }
    }

    /**
     * For the cluster's drain: the resume tokens of the sessions detached here (no client connected) for at least
     * {@code atLeast}, which a drain hands to other nodes itself ({@link #handOver}, then
     * {@link #receiveSession} there) instead of waiting for clients that may be offline.
     */
    public List<byte[]> detachedTokens(Duration atLeast) {
        final long since = EventLoop.nowMs() - atLeast.toMillis();
        final List<byte[]> tokens = new ArrayList<>();
        directory.registry().forEach(s -> {
            if (s.detachedSince(since)) {
                tokens.add(s.token());
            }
        });
        return tokens;
    }

    /**
     * For the cluster: installs a session another node handed over without its client (a drain), detached, for its
     * client's next resume here. Not on an event loop.
     *
     * @return whether it was installed (false when a session with its id is here already, or its loop did not
     *         answer within {@code wait})
     */
    public boolean receiveSession(SessionImage image, Duration wait) {
        final EventLoop loop = loops.get(Math.floorMod(Long.hashCode(image.idLow()), loops.size()));
        final CompletableFuture<Boolean> done = new CompletableFuture<>();
        loop.execute(() -> {
            final ServerSession s = protocol.arrive(loop, image);
            if (s != null) {
                s.parkDetached(loop);
            }
            done.complete(s != null);
        });
        try {
            return done.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /** The cluster this server is a node of, or null. */
    public Cluster cluster() {
        return cluster;
    }

    /** {@link #push(String, String, ByteString)} with a copy of {@code payload}. */
    public PushResult push(String sessionId, String topic, byte[] payload) {
        return push(sessionId, topic, ByteString.copyFrom(payload));
    }

    private Connection newConnection(EventLoop loop, SocketChannel channel, ListenAddress listen) {
        final WebSocketHandler raw = Transports.rawHandler(listen, webSocketHandlers);
        return new Connection(loop, channel, raw == null ? protocol : rawProtocol,
            Transports.server(listen, raw, config.maxFrameSize(), () -> tls.current().newServerEngine()));
    }

    // ---- for the server's parts: sessions, the protocol, the heartbeat and detach sweeps, telemetry

    SessionDirectory directory() {
        return directory;
    }

    /** Admission control (null before the listeners bind). */
    Admission admission() {
        return admission;
    }

    /** Counters any thread may add to. */
    CounterSet sharedCounters() {
        return shared;
    }

    Dispatcher dispatcher() {
        return dispatcher;
    }

    ConnectionLimits limits() {
        return limits;
    }

    DetachedSessions detachedSessions(EventLoop loop) {
        return detached.get(loop);
    }

    /**
     * Takes every change {@code live} puts in force from now on (called once, right after start). A change reaches
     * the parts that read the config on each use at once (limits, Welcome, inflight bounds, resume window, outbox
     * bound of the next push, shutdown grace); the heartbeat sweeps are rescheduled to the new interval.
     */
    void follow(LiveConfig live) {
        live.countInto(shared);
        unfollow = live.subscribe((previous, current) -> reconfigure(current));
        reconfigure(live.current()); // a change put in force between start and subscribe
    }

    private void reconfigure(TetherConfig next) {
        final TetherConfig previous = config;
        limits = limitsOf(next);
        config = next;
        final Admission a = admission;
        if (a != null && !previous.admission().equals(next.admission())) {
            loops.get(0).execute(() -> a.configure(next.admission()));
        }
        if (!previous.heartbeatInterval().equals(next.heartbeatInterval()) && !closed) {
            heartbeats.restart(loopList());
        }
    }

    private static ConnectionLimits limitsOf(TetherConfig c) {
        return new ConnectionLimits(c.maxFrameSize(), c.writeHighWatermark(), c.writeLowWatermark(),
            c.slowConsumerTimeout().toMillis(), c.handshakeTimeout().toMillis());
    }

    // ---- shutdown

    /**
     * Sets what a stop request ({@code POST /drain} on the admin endpoint) does: the {@code serve} command wakes its
     * main thread, which shuts down (draining a cluster node first). Without one, a stop request closes the server
     * on a thread of its own.
     */
    public void onStopRequest(java.util.function.Consumer<String> handler) {
        this.stopHandler = handler;
    }

    /** Asks the server to stop, as {@link #onStopRequest} says. @return false when it is stopping already */
    boolean requestStop(String why) {
        if (closed || stopRequested) {
            return false;
        }
        stopRequested = true;
        final java.util.function.Consumer<String> handler = stopHandler;
        if (handler != null) {
            handler.accept(why);
        } else {
            Thread.ofPlatform().name("tether-stop").start(this::close);
        }
        return true;
    }

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
        if (cluster != null && ready) {
            cluster.drain(); // the sessions go to the other nodes while this one still serves their take-overs
        }
        closed = true;
        ready = false;
        if (unfollow != null) {
            unfollow.run();
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        loops.get(0).execute(() -> {
            listeners.forEach(Listener::closeNow);
            if (admission != null) {
                admission.close();
            }
            stopped.countDown();
        });
        // A loop held by a handler that never returns must not hold shutdown too: each step waits at most this.
        final Duration stepWait = grace.plusSeconds(1);
        awaitUninterruptibly(stopped, "close listeners", stepWait);
        dispatcher.drain(grace);
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
        awaitUninterruptibly(goodbyes, "goodbyes", stepWait);
        awaitDrained(Duration.ofSeconds(2));
        releaseAll();
    }

    /** Releases what a start that could not listen had opened: the listeners that did bind, loops, TLS watcher. */
    private void closeAfterFailedBind() {
        listeners.forEach(Listener::closeNow);
        if (admission != null) {
            admission.close();
        }
        releaseAll();
    }

    private void releaseAll() {
        if (cluster != null) {
            cluster.close();
        }
        loops.close();
        if (tls != null) {
            tls.close();
        }
        directory.close();
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

    /**
     * Waits for the loops to run a step of start or shutdown, at most {@code max}, and says whether they did: a loop
     * that does not answer by then (stuck in a handler that holds it, or waiting for a lock) is logged and left
     * behind, so a shutdown still ends.
     */
    private static boolean awaitUninterruptibly(CountDownLatch latch, String step, Duration max) {
        boolean interrupted = false;
        final long deadline = System.nanoTime() + max.toNanos();
        boolean done;
        while (true) {
            try {
                done = latch.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (!done) {
            LOOP_UNRESPONSIVE.log("step", step, "loops", latch.getCount(), "waited", max);
        }
        return done;
    }
}
