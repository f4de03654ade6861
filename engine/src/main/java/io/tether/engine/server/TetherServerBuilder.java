package io.tether.engine.server;

import io.tether.engine.config.Dispatch;
import io.tether.engine.config.LiveConfig;
import io.tether.engine.config.TetherConfig;
import io.tether.engine.transport.WebSocketHandler;
import io.tether.telemetry.Counters;
import io.tether.tls.TlsMaterialException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/** Builds and starts a {@link TetherServer}: {@code TetherServer.builder()...start()}. */
public final class TetherServerBuilder {
    private TetherConfig config;
    private LiveConfig live;
    private final Map<String, Dispatcher.Registration> handlers = new HashMap<>();
    private final Map<String, WebSocketHandler> webSocketHandlers = new HashMap<>();
    private boolean builtins = true;
    private Counters counters;
    private final List<SessionListener> sessionListeners = new ArrayList<>();
    private Consumer<Reply> encodingHook;

    TetherServerBuilder() {
    }

    private Cluster cluster;

    /** The settings to start with; {@link TetherConfig#defaults()} when none are given. */
    public TetherServerBuilder config(TetherConfig config) {
        this.config = config;
        return this;
    }

    /** A handler that runs on a virtual thread and may block. */
    public TetherServerBuilder onRequest(String method, RequestHandler handler) {
        handlers.put(method, new Dispatcher.Registration(handler, false));
        return this;
    }

    /** A handler that runs on the event loop: it must never block (no I/O, no locks, no sleeping). */
    public TetherServerBuilder onRequestInline(String method, RequestHandler handler) {
        handlers.put(method, new Dispatcher.Registration(handler, true));
        return this;
    }

    /**
     * Serves plain WebSocket messages on the {@code ws://} listeners whose path is {@code path}, instead of
     * tether frames: for embedders' own protocols.
     */
    public TetherServerBuilder onWebSocket(String path, WebSocketHandler handler) {
        webSocketHandlers.put(path, handler);
        return this;
    }

    /** Leaves out the built-in methods ({@code echo}, {@code send}). */
    public TetherServerBuilder withoutBuiltins() {
        builtins = false;
        return this;
    }

    /** Hears of sessions opening, resuming, losing their connection and ending (on the event loop). */
    public TetherServerBuilder sessionListener(SessionListener listener) {
        sessionListeners.add(listener);
        return this;
    }

    /** Called on the event loop when a Hello opens a new session. */
    public TetherServerBuilder onConnect(Consumer<Session> hook) {
        return sessionListener(new SessionListener() {
            @Override
            public void onConnect(Session session) {
                hook.accept(session);
            }
        });
    }

    /** Called on the event loop when a session resumes on a new connection. */
    public TetherServerBuilder onResume(Consumer<Session> hook) {
        return sessionListener(new SessionListener() {
            @Override
            public void onResume(Session session) {
                hook.accept(session);
            }
        });
    }

    /** Called on the event loop when a session's connection closes (the session is then detached or ended). */
    public TetherServerBuilder onDisconnect(BiConsumer<Session, String> hook) {
        return sessionListener(new SessionListener() {
            @Override
            public void onDisconnect(Session session, int code, String reason) {
                hook.accept(session, reason);
            }
        });
    }

    /**
     * Follows a live config: the server starts with its current config and takes every change it puts in force
     * (the [live] settings; the others are refused before they reach the server).
     */
    public TetherServerBuilder liveConfig(LiveConfig live) {
        this.live = live;
        this.config = live.current();
        return this;
    }

    /**
     * Makes the server a node of {@code cluster}: session ids carry its node number, pushes and kicks for sessions
     * elsewhere are forwarded, and a resume token of another node's session takes that session over.
     */
    public TetherServerBuilder cluster(Cluster cluster) {
        this.cluster = cluster;
        return this;
    }

    /** Counters to count into, which the caller closes, instead of ones made from the config (its stat file). */
    public TetherServerBuilder counters(Counters counters) {
        this.counters = counters;
        return this;
    }

    /**
     * Starts the server and returns once every listener is bound and accepting.
     *
     * @throws java.io.UncheckedIOException when a listener cannot bind (nothing is left open)
     * @throws IllegalStateException when the TLS material cannot be used
     */
    public TetherServer start() {
        final TetherConfig c = config != null ? config : TetherConfig.defaults();
        final Map<String, Dispatcher.Registration> all = new HashMap<>();
        if (builtins) {
            final boolean inline = c.dispatch() == Dispatch.INLINE;
            BuiltinMethods.all().forEach((name, h) -> all.put(name, new Dispatcher.Registration(h, inline)));
        }
        all.putAll(handlers);
        final Counters made = counters != null ? null : ServerTelemetry.countersFor(c);
        final TetherServer server;
        try {
            server = new TetherServer(c, all, webSocketHandlers, counters != null ? counters : made, made != null,
                sessionListeners, encodingHook, cluster);
        } catch (RuntimeException e) {
            if (made != null) {
                made.close();
            }
            if (e instanceof TlsMaterialException t) {
                throw new IllegalStateException("cannot serve TLS: " + t.getMessage(), t);
            }
            throw e;
        }
        server.start();
        if (live != null) {
            server.follow(live);
        }
        return server;
    }

    /** Tests only: called with every reply before it is encoded, so a test can make the encoding fail. */
    TetherServerBuilder encodingHook(Consumer<Reply> hook) {
        this.encodingHook = hook;
        return this;
    }
}
