package io.tether.engine.client;

import io.tether.telemetry.log.LogEvent;
import io.tether.codec.GoodbyeCode;
import io.tether.codec.proto.Welcome;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.EventLoop;
import io.tether.engine.transport.Frames;
import io.tether.engine.transport.Transports;
import io.tether.session.Backoff;
import io.tether.session.ClientState;
import io.tether.session.ClientStateMachine;
import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Drives a client's {@link ClientStateMachine} through its connections: opens one (the first, or after the backoff
 * delay), gives it up when no Welcome comes in time, makes it live on the Welcome, and when it closes decides between
 * reconnecting and giving up for good (a Goodbye that means "do not come back", the retry budget spent, or every
 * endpoint failing the first connect). Each attempt after a failure goes to the next of the client's
 * {@link Endpoints}, or at once to the node a Goodbye 4009 (REDIRECT) named. While a connection is live its watchdog
 * pings a silent server after one heartbeat interval and takes it for dead after {@code heartbeatMisses}. Loop only,
 * but for {@link #start}, {@link #close}, {@link #abort} and {@link #endpoint}.
 */
final class Reconnector {
    private static final LogEvent SERVER_SILENT = LogEvent.debug(Reconnector.class, "client.server.silent");
    /** Goodbye codes after which coming back is wrong (see PROTOCOL.md, section 5). */
    private static final Set<Integer> FINAL_CODES = Set.of(GoodbyeCode.NORMAL, GoodbyeCode.PROTOCOL_ERROR,
        GoodbyeCode.INVALID_FRAME, GoodbyeCode.FRAME_TOO_LARGE, GoodbyeCode.KICKED, GoodbyeCode.SESSION_TAKEN_OVER);

    private final EventLoop loop;
    private final Endpoints endpoints;
    private final ClientStateMachine states;
    private final ClientSession session;
    private final PendingRequests<Connection> requests;
    private final Backoff backoff;
    private final Duration timeout;
    private final boolean reconnect;
    private final int heartbeatMisses;
    private final Runnable onSessionLost;
    private final CompletableFuture<TetherClosedException> closed = new CompletableFuture<>();
    private final CompletableFuture<Welcome> firstWelcome = new CompletableFuture<>();

    // ---- the loop's
    private Connection attempt;
    private int goodbyeCode;
    private String goodbyeReason;
    /** The last Goodbye's retry_after_ms (0: none): the next attempt waits at least that long. */
    private long retryAfterMs;
    /** The last Goodbye's reconnect_to ("": none): with code 4009, where the next attempt goes. */
    private String reconnectTo = "";
    /** Whether the attempt under way follows a redirect: when it fails too, the next one backs off. */
    private boolean redirected;
    /** Why each endpoint failed the first connect, for the exception when every one did. */
    private final List<String> firstFailures = new ArrayList<>();
    /** The endpoint of the attempt under way, or of the last one. */
    private volatile Endpoint tried;
    private long lastPingMs;
    private boolean watching;

    Reconnector(EventLoop loop, Endpoints endpoints, ClientStateMachine states, ClientSession session,
                PendingRequests<Connection> requests, TetherClient.Builder b) {
        this.loop = loop;
        this.endpoints = endpoints;
        this.tried = endpoints.current();
        this.states = states;
        this.session = session;
        this.requests = requests;
        this.backoff = new Backoff(b.backoffBase, b.backoffCap, b.maxRetries, ThreadLocalRandom.current());
        this.timeout = b.timeout;
        this.reconnect = b.reconnect;
        this.heartbeatMisses = b.heartbeatMisses;
        this.onSessionLost = b.onSessionLost;
    }

    /** Completes when the client is done for good (closed, or failed); the exception says why. */
    CompletableFuture<TetherClosedException> closed() {
        return closed;
    }

    /** Completes with the first Welcome, or exceptionally when the first connect failed. */
    CompletableFuture<Welcome> firstWelcome() {
        return firstWelcome;
    }

    /** The URL of the endpoint the client is connected to, or tried last; any thread. */
    String endpoint() {
        return tried.url();
    }

    /** Makes the first connect, on the loop. */
    void start() {
        loop.execute(this::connectNow);
    }

    /** The state is CLOSED: says Goodbye on the connection there is, or finishes now without one. */
    void close() {
        loop.execute(() -> {
            final Connection c = attempt;
            if (c == null) {
                finish(GoodbyeCode.NORMAL, "closed by the application");
            } else {
                c.closeWithGoodbye(GoodbyeCode.NORMAL, "client closing");
                loop.schedule(1000, () -> c.closeNow(null));
            }
        });
    }

    /** Resets the connection there is, as a network failure would. */
    void abort() {
        loop.execute(() -> {
            if (attempt != null) {
                attempt.resetNow();
            }
        });
    }

    /** Opens a connection to the current endpoint (the first, or a reconnect after the backoff delay). */
    private void connectNow() {
        final Endpoint target = endpoints.current();
        if (!states.moveTo(ClientState.CONNECTING, (attempt == null && !session.hasSession() ? "connect to "
            : "reconnect to ") + target.url())) {
            return;
        }
        goodbyeCode = 0;
        retryAfterMs = 0;
        reconnectTo = "";
        tried = target;
        if (target.address().isUnresolved()) {
            resolveThenDial(target);
        } else {
            dial(target);
        }
    }

    /**
     * Looks up the host of an endpoint that came unresolved (a redirect target) on a virtual thread, as a lookup may
     * block, and dials it back on the loop unless the client was closed meanwhile.
     */
    private void resolveThenDial(Endpoint target) {
        Thread.ofVirtual().name("tether-client-resolve").start(() -> {
            final Endpoint resolved = target.resolved();
            loop.execute(() -> {
                if (attempt != null || states.state() != ClientState.CONNECTING) {
                    return;
                }
                if (resolved.address().isUnresolved()) {
                    attemptFailed(GoodbyeCode.GOING_AWAY, "connect failed: cannot resolve "
                        + resolved.address().getHostString());
                } else {
                    dial(resolved);
                }
            });
        });
    }

    private void dial(Endpoint target) {
        final Connection c;
        try {
            final SocketChannel channel = SocketChannel.open();
            try {
                Transports.configure(channel);
                final boolean connected = channel.connect(target.address());
                c = new Connection(loop, channel, new ClientProtocol(this, session, requests),
                    target.transports().get());
                attempt = c;
                c.open(connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            attempt = null;
            attemptFailed(GoodbyeCode.GOING_AWAY, "connect failed: " + e);
            return;
        }
        loop.schedule(timeout.toMillis(), () -> {
            if (attempt == c && requests.live() != c) {
                c.closeNow(new IOException("no Welcome within " + timeout.toMillis() + " ms"));
            }
        });
    }

    void onWelcome(Connection c, Welcome w) {
        if (c != attempt) {
            return;
        }
        final ClientSession.Welcomed outcome = session.welcomed(w);
        backoff.reset();
        redirected = false;
        goLive(c, w, outcome);
    }

    /**
     * Re-sends what is pending and makes {@code c} live (see {@link PendingRequests#tryGoLive}); if a sender holds
     * the send lock now, this runs again on the next loop cycle.
     */
    private void goLive(Connection c, Welcome w, ClientSession.Welcomed outcome) {
        if (c != attempt) {
            return;
        }
        final boolean lost = outcome == ClientSession.Welcomed.LOST;
        if (!requests.tryGoLive(c, lost)) {
            loop.execute(() -> goLive(c, w, outcome));
            return;
        }
        states.moveFrom(ClientState.CONNECTING, ClientState.ESTABLISHED, outcome.cause);
        if (lost && onSessionLost != null) {
            onSessionLost.run();
        }
        startWatchdog();
        firstWelcome.complete(w);
    }

    void onGoodbye(Connection c, int code, String reason, long retryAfterMs, String reconnectTo) {
        if (c == attempt) {
            goodbyeCode = code;
            goodbyeReason = reason;
            this.retryAfterMs = retryAfterMs;
            this.reconnectTo = reconnectTo;
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
        } else if (firstWelcome.isDone() && (!reconnect || FINAL_CODES.contains(why))) {
            states.moveTo(ClientState.FAILED, "server said " + why + ": " + text);
            finish(why, text);
        } else {
            attemptFailed(why, text);
        }
    }

    /**
     * A connection was lost or an attempt failed: picks the endpoint of the next attempt and waits out the backoff
     * (or gives up). A redirect goes at once, to its reconnect_to or else to the next endpoint, but counts as an
     * attempt, and when the attempt it made fails too the next one backs off. The first connect tries the endpoints
     * in turn without waiting, a redirect's target in between (only one in a row there, so that nodes sending the
     * client to each other cannot keep it from the rest of its list), and fails once the last one did.
     */
    private void attemptFailed(int code, String reason) {
        final boolean first = !firstWelcome.isDone();
        final boolean redirect = code == GoodbyeCode.REDIRECT && !(first && redirected);
        if (first) {
            firstFailures.add(tried.url() + " (" + code + "): " + reason);
            if (!redirect && endpoints.atEndOfList()) {
                final String why = "every endpoint failed: " + String.join("; ", firstFailures);
                states.moveTo(ClientState.FAILED, why);
                finish(code, why);
                return;
            }
        }
        if (!states.moveTo(ClientState.RECONNECTING, reason)) {
            return; // closed meanwhile
        }
        long waitMs = 0;
        if (!first) {
            final Optional<Duration> delay = backoff.nextDelay();
            if (delay.isEmpty()) {
                states.moveTo(ClientState.FAILED, "gave up after " + backoff.attempts() + " attempts: " + reason);
                finish(code, "gave up reconnecting: " + reason);
                return;
            }
            waitMs = redirect && !redirected ? 0 : delayMs(delay.get().toMillis(), retryAfterMs);
        }
        if (redirect) {
            endpoints.redirect(reconnectTo, reason);
        } else {
            endpoints.next(reason);
        }
        redirected = redirect;
        if (waitMs == 0) {
            loop.execute(this::connectNow);
        } else {
            loop.schedule(waitMs, this::connectNow);
        }
    }

    /**
     * The wait before the next attempt: the backoff's, or the server's retry_after_ms when that is longer, plus up
     * to a tenth of it at random so that clients the server turned away together do not all come back together.
     */
    static long delayMs(long backoffMs, long retryAfterMs) {
        if (retryAfterMs <= backoffMs) {
            return backoffMs;
        }
        return retryAfterMs + ThreadLocalRandom.current().nextLong(retryAfterMs / 10 + 1);
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
        final int heartbeatMs = session.welcome().getHeartbeatMs();
        if (states.state().isTerminal() || heartbeatMs <= 0) {
            watching = false;
            return;
        }
        final Connection c = requests.live();
        final long now = EventLoop.nowMs();
        if (c != null && !c.isClosing()) {
            final long silent = now - c.lastInboundMs();
            if (silent >= (long) heartbeatMisses * heartbeatMs) {
                SERVER_SILENT.log("silent_ms", silent);
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
}
