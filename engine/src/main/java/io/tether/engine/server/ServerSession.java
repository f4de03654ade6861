package io.tether.engine.server;

import com.google.protobuf.ByteString;
import io.tether.codec.GoodbyeCode;
import io.tether.codec.Status;
import io.tether.codec.proto.Request;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.EventLoop;
import io.tether.engine.reactor.EventLoopThread;
import io.tether.engine.transport.Frames;
import io.tether.engine.transport.TlsTransport;
import io.tether.session.Outbox;
import io.tether.telemetry.CounterSet;
import io.tether.telemetry.Metric;
import io.tether.telemetry.log.LogEvent;
import io.tether.tls.PeerIdentity;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A session on the server. It outlives its connections: when one is lost the session is detached (kept, with its
 * outbox of unacknowledged pushes, in its loop's {@link DetachedSessions}) and a Hello with its resume token
 * reattaches it to a new connection, on any loop, with every push after the client's last seq sent again.
 *
 * <p>Its parts: who it is ({@link SessionCredentials}, the base class), its pushes and acks ({@link PushOutbox}),
 * its requests' dedupe window and order ({@link RequestLedger}) and the virtual thread that runs them
 * ({@link SessionWorker}). The last three are made when first needed, so an idle session is this object alone.
 *
 * <p><b>Threads.</b> The session's resumable state (state, connection, outbox, ledger) is guarded by the session's
 * monitor. Every holder only copies bytes while holding it (no I/O, no waiting, no other lock), so event loops take
 * it too. Pushes from any thread are numbered and encoded into the outbox under the monitor; the connection's loop
 * then writes what is new from the outbox, so wire order is seq order whichever thread pushed, and the outbox is the
 * one place a push lives until it is acknowledged.
 */
final class ServerSession extends SessionCredentials implements Session {
    private static final LogEvent DETACHED_EVENT = LogEvent.info(ServerSession.class, "session.detached");
    /** What a detached session costs the session cache besides its outbox and responses (estimated). */
    static final int BASE_COST = 1024;

    private static final int PENDING = 0;
    private static final int ATTACHED = 1;
    private static final int DETACHED = 2;
    private static final int ENDED = 3;

    private final TetherServer server;

    // ---- guarded by this
    private volatile int state = PENDING;
    private volatile Connection connection;
    /** Made on the first push; volatile so a loop's flush signal can find it without the monitor. */
    private volatile PushOutbox pushes;
    /** Made on the first request; volatile so the worker and the heartbeat sweep find it without the monitor. */
    private volatile RequestLedger ledger;
    /** The loop's detached sessions this one waits in while detached, else null. */
    private DetachedSessions home;
    private long detachDeadlineMs;
    /** When it last became detached (EventLoop.nowMs), under the monitor. */
    private long detachedAtMs;
    private boolean pinned;
    private boolean ending;
    /** A pending session whose Hello waits for another node to hand the session it names over (its loop's). */
    private boolean awaitingTakeOver;
    /** Ended here because it was handed over to another node: a push that still finds it goes on to that node. */
    private boolean moved;
    /** The highest {@code hello_seq} of a Hello that opened or resumed this session (0: the client numbers none). */
    private long helloSeq;
    /** Its request rate (session-request-rate), made on first use; the loop's. */
    private io.tether.engine.admission.RequestRate requestRate;
    /** Whether its address is in admission-exempt, as it was at its Hello. */
    private boolean rateExempt;


    ServerSession(TetherServer server, Connection connection) {
        this.server = server;
        this.connection = connection;
    }

    // ---- identity

    @Override
    public State state() {
        return switch (state) {
            case DETACHED -> State.DETACHED;
            case ENDED -> State.ENDED;
            default -> State.ATTACHED;
        };
    }

    @Override
    public synchronized long lastPushSeq() {
        return pushes == null ? 0 : pushes.lastSeq();
    }

    @Override
    public PeerIdentity peer() {
        final Connection c = connection;
        return c != null && c.driver() instanceof TlsTransport t ? t.peer() : null;
    }

    boolean established() {
        return state != PENDING;
    }

    TetherServer server() {
        return server;
    }

    /** Whether {@code c} serves this session (false once the session moved to another connection). */
    boolean servedBy(Connection c) {
        return connection == c;
    }

    /** Makes this pending session a new one, attached to its connection. */
    void establish(long idHigh, long idLow, long secretHigh, long secretLow, String clientId, long helloSeq) {
        synchronized (this) {
            this.helloSeq = helloSeq;
        }
        setCredentials(idHigh, idLow, secretHigh, secretLow, clientId);
        this.state = ATTACHED;
    }

    /** Bytes of unacknowledged pushes kept for the session (any thread). */
    synchronized int outboxBytes() {
        return pushes == null ? 0 : pushes.retainedBytes();
    }

    // ---- resume and detach (loop threads)

    /**
     * Reattaches this session to {@code c} (a Hello with its token, on c's loop): Welcome{resumed=true}, then every
     * push after {@code lastSeq}. A connection still serving the session is closed (taken over).
     *
     * @param helloSeq the Hello's number (0: not numbered); one not above the last accepted comes from an older
     *                 connection of the client, delivered after a newer one resumed
     */
    ResumeOutcome resume(Connection c, long lastSeq, int heartbeatMs, long helloSeq) {
        final Connection old;
        final DetachedSessions wasHome;
        final boolean resumable;
        synchronized (this) {
            if (state == ENDED) {
                return ResumeOutcome.Refused.ENDED;
            }
            if (helloSeq != 0 && Long.compareUnsigned(helloSeq, this.helloSeq) <= 0) {
                return ResumeOutcome.Stale.NEWER_CONNECTION;
            }
            old = connection;
            wasHome = home;
            resumable = pushes == null ? lastSeq == 0 : pushes.canResumeFrom(lastSeq);
            home = null;
            if (resumable) {
                if (helloSeq != 0) {
                    this.helloSeq = helloSeq;
                }
                connection = c;
                state = ATTACHED;
                if (pushes != null) {
                    pushes.resumedFrom(lastSeq);
                }
            } else {
                state = ENDED;
                connection = null;
            }
        }
        if (old != null) {
            c.loop().counters().increment(Metric.SESSIONS_TAKEN_OVER);
            old.loop().runInLoop(() -> old.closeWithGoodbye(GoodbyeCode.SESSION_TAKEN_OVER,
                "the session was resumed on another connection"));
        }
        if (wasHome != null) {
            wasHome.forgetLater(this);
        }
        if (!resumable) {
            final String why = "pushes after seq " + lastSeq + " are no longer kept";
            server.directory().ended(this, "could not resume: " + why);
            return new ResumeOutcome.Refused(why);
        }
        c.attach(this);
        Frames.writeWelcome(c, id(), token(), true, heartbeatMs);
        final int replayed;
        synchronized (this) {
            replayed = pushes == null ? 0 : pushes.writeNew(c);
        }
        c.loop().counters().add(Metric.PUSHES_REPLAYED, replayed);
        return new ResumeOutcome.Resumed(replayed);
    }

    /** The connection serving the session closed (its loop): the session is detached, or ended if that was meant. */
    void connectionClosed(Connection c, int code, String reason) {
        final boolean detached;
        synchronized (this) {
            if (connection != c || state != ATTACHED) {
                return; // taken over by another connection, or not a session yet
            }
            connection = null;
            detached = !ending && !server.isClosed();
            state = detached ? DETACHED : ENDED;
            if (detached) {
                home = server.detachedSessions(c.loop());
                detachedAtMs = EventLoop.nowMs();
                detachDeadlineMs = detachedAtMs + server.config().resumeWindow().toMillis();
                pinned = ledger != null && ledger.queued() > 0;
            }
        }
        server.directory().listeners().disconnected(this, code, reason);
        if (detached && DETACHED_EVENT.admit()) {
            DETACHED_EVENT.write("session", id(), "client", clientId(), "code", code, "reason", reason);
        }
        if (detached) {
            c.loop().counters().increment(Metric.SESSIONS_DETACHED);
            server.detachedSessions(c.loop()).add(this);
        } else {
            server.directory().ended(this, reason);
        }
    }

    /** Ends a detached session that waited in {@code from} (expired or evicted). @return false if it moved on */
    synchronized boolean endDetached(DetachedSessions from) {
        if (state != DETACHED || home != from) {
            return false;
        }
        state = ENDED;
        home = null;
        return true;
    }

    /** Whether this detached session still waits in {@code h} and its window has passed. */
    synchronized boolean expiredIn(DetachedSessions h, long nowMs) {
        return state == DETACHED && home == h && detachDeadlineMs <= nowMs;
    }

    /** Whether it waits in {@code h} (else a cache entry there is stale). */
    synchronized boolean waitsIn(DetachedSessions h) {
        return home == h && state == DETACHED;
    }

    /** Takes the pin a running handler held on the detached session. @return whether there was one */
    synchronized boolean takePin(DetachedSessions h) {
        final boolean had = pinned && home == h;
        pinned = false;
        return had;
    }

    synchronized boolean pinned() {
        return pinned;
    }

    /** Bytes the session holds while detached, for the session cache. */
    synchronized long cost() {
        return BASE_COST + (pushes == null ? 0 : pushes.capacity()) + (ledger == null ? 0 : ledger.capacity());
    }

    /**
     * Ends the session on purpose (kick): a connection gets a Goodbye with {@code code}; a detached session ends at
     * once. @return false if it had ended already
     */
    boolean end(int code, String reason) {
        final Connection c;
        final DetachedSessions wasHome;
        synchronized (this) {
            if (state == ENDED) {
                return false;
            }
            ending = true;
            c = connection;
            wasHome = home;
            if (c == null) {
                state = ENDED;
                home = null;
            }
        }
        if (c != null) {
            c.loop().runInLoop(() -> c.closeWithGoodbye(code, reason));
        } else {
            if (wasHome != null) {
                wasHome.forgetLater(this);
            }
            server.directory().ended(this, reason);
        }
        return true;
    }

    /** The client said Goodbye: its session ends with the connection. */
    synchronized void endWithConnection() {
        ending = true;
    }

    // ---- hand-over to and from other nodes

    /**
     * Hands this session over to another node, where its client resumed it: takes it off its connection (closed
     * with 4004, as for any take-over), waits until its handlers have answered (at most until
     * {@code deadlineNanos}), then, in one hold of its monitor, copies what a resume needs and ends it here as moved.
     * A push after that finds it moved and goes on to the new node. Not on a loop.
     *
     * @return the image, or null when it cannot be handed over (ended, resumed here meanwhile, or handlers still
     *         running at the deadline: then it stays here, detached)
     */
    SessionImage handOver(long deadlineNanos) {
        final Connection old;
        synchronized (this) {
            if (state == ENDED) {
                return null;
            }
            old = connection;
            if (old != null) {
                connection = null;
                state = DETACHED; // no request of the old connection is taken from now on
            }
        }
        if (old != null) {
            old.loop().runInLoop(() -> old.closeWithGoodbye(GoodbyeCode.SESSION_TAKEN_OVER,
                "the session was resumed on another node"));
        }
        final SessionImage image;
        final DetachedSessions wasHome;
        while (true) {
            synchronized (this) {
                if (state != DETACHED) {
                    return null; // ended, or resumed here meanwhile
                }
                final RequestLedger l = ledger;
                if (l == null || (l.queued() == 0 && !l.inlineRunning())) {
                    image = new SessionImage(idHigh(), idLow(), secretHigh(), secretLow(), clientId(), helloSeq,
                        pushes == null ? 1 : pushes.firstSeq(), pushes == null ? 0 : pushes.lostThroughSeq(),
                        pushes == null ? List.of() : pushes.keptPushes(),
                        l == null ? List.of() : l.keptResponses());
                    state = ENDED;
                    moved = true;
                    wasHome = home;
                    home = null;
                    break;
                }
            }
            if (System.nanoTime() - deadlineNanos >= 0) {
                if (old != null) {
                    old.loop().execute(() -> parkDetached(old.loop()));
                }
                return null;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        if (wasHome != null) {
            wasHome.forgetLater(this);
        }
        server.directory().ended(this, "handed over to another node");
        return image;
    }

    /** Its Hello waits for another node to hand over the session it names (its loop). */
    void awaitTakeOver() {
        awaitingTakeOver = true;
    }

    boolean awaitingTakeOver() {
        return awaitingTakeOver;
    }

    /** A detached session off any connection (a failed hand-over, an arrival whose client left): it waits here for a resume, like any detached session (loop's). */
    void parkDetached(EventLoop loop) {
        synchronized (this) {
            if (state != DETACHED || connection != null || home != null) {
                return;
            }
            home = server.detachedSessions(loop);
            detachedAtMs = EventLoop.nowMs();
            detachDeadlineMs = detachedAtMs + server.config().resumeWindow().toMillis();
            pinned = ledger != null && ledger.queued() > 0;
        }
        server.detachedSessions(loop).add(this);
    }

    /**
     * A session another node handed over (its loop, before it is registered): detached, with the pushes and
     * responses it had there, ready for {@link #resume}.
     */
    static ServerSession restored(TetherServer server, SessionImage image) {
        final ServerSession s = new ServerSession(server, null);
        s.setCredentials(image.idHigh(), image.idLow(), image.secretHigh(), image.secretLow(), image.clientId());
        synchronized (s) {
            s.helloSeq = image.helloSeq();
            if (!image.pushes().isEmpty() || image.firstSeq() > 1) {
                s.pushes = PushOutbox.restored(s, Math.max(server.config().sessionOutboxBytes(),
                    image.pushes().stream().mapToInt(p -> p.length + Outbox.RECORD_OVERHEAD).sum()),
                    image);
            }
            if (!image.responses().isEmpty()) {
                s.ledger().restore(image.responses(), EventLoop.nowMs());
            }
            s.state = DETACHED;
        }
        return s;
    }

    /** Whether it has been detached, with no connection, since at least {@code sinceMs} (EventLoop.nowMs). */
    synchronized boolean detachedSince(long sinceMs) {
        return state == DETACHED && connection == null && home != null && detachedAtMs <= sinceMs;
    }

    /** Whether it ended here because it moved to another node. */
    synchronized boolean moved() {
        return moved;
    }

    // ---- pushes (any thread)

    /** Pushes from any thread; see {@link TetherServer#push}. @return null when the session moved to another node */
    PushResult push(String topic, ByteString payload) {
        final Connection current = connection;
        if (current != null && !EventLoopThread.isCurrent()) {
            current.awaitWritable();
        }
        final PushOutbox p;
        final Connection c;
        final long dropped;
        synchronized (this) {
            if (state == ENDED) {
                return moved ? null : PushResult.UNKNOWN;
            }
            if (pushes == null) {
                pushes = new PushOutbox(this, server.config().sessionOutboxBytes());
            }
            p = pushes;
            c = state == ATTACHED ? connection : null;
            p.limit(server.config().sessionOutboxBytes());
            dropped = p.append(topic, payload, c);
        }
        if (dropped > 0) {
            server.dispatcher().sharedCounters().addShared(Metric.PUSHES_DROPPED, dropped);
        }
        if (c != null) {
            p.scheduleFlush(c);
            return PushResult.DELIVERED;
        }
        p.scheduleRecost();
        return PushResult.QUEUED;
    }

    /** Holding the monitor: whether {@code c} is the connection the session is attached to. */
    boolean attachedTo(Connection c) {
        return connection == c && state == ATTACHED;
    }

    /** The detached sessions it waits in, or null. */
    synchronized DetachedSessions home() {
        return home;
    }

    /** The loop was signalled for {@code c}: it writes the pushes c has not had yet. */
    void flushPushes(Connection c) {
        final PushOutbox p = pushes;
        if (p != null) {
            p.flush(c);
        }
    }

    void recostDone() {
        final PushOutbox p = pushes;
        if (p != null) {
            p.recostDone();
        }
    }

    /** The client acknowledged every push up to {@code seq} (c's loop). */
    synchronized void ack(Connection c, long seq) {
        if (connection == c && pushes != null) {
            pushes.ack(seq);
        }
    }

    // ---- requests

    /** The request side, made on the first request (its loop). */
    RequestLedger ledger() {
        RequestLedger l = ledger;
        if (l == null) {
            synchronized (this) {
                l = ledger;
                if (l == null) {
                    ledger = l = new RequestLedger(this, server.dispatcher(), server.config().sessionResponseWindow());
                }
            }
        }
        return l;
    }

    /** Holding the monitor: the connection responses go to now, or null while detached. */
    Connection attachedConnection() {
        return state == ATTACHED ? connection : null;
    }

    /** Drops kept responses older than {@code beforeMs} (the heartbeat sweep), releasing an idle window's array. */
    void expireResponses(long beforeMs) {
        final RequestLedger l = ledger;
        if (l != null) {
            synchronized (this) {
                l.expireBefore(beforeMs);
            }
        }
    }

    /** Runs a request on the loop or a worker, with its handling time recorded where it came in. */
    Reply invoke(RequestHandler handler, Request request) {
        final Connection c = connection;
        final CounterSet latencies = c != null ? c.loop().counters() : server.dispatcher().sharedCounters();
        return server.dispatcher().invoke(handler, new Call(this, request), request, latencies);
    }

    /** End of a read: start the worker if requests wait and none runs. */
    void startWorkerIfIdle() {
        final RequestLedger l = ledger;
        if (l != null) {
            l.startWorkerIfIdle();
        }
    }

    // ---- called by the worker (a virtual thread)

    /** The worker's backlog fell to half the limit: reads paused for it resume. */
    void resumeReads() {
        final Connection c = connection;
        if (c != null) {
            c.loop().execute(c::resumeReadByHandler);
        }
    }

    /** The worker answered every queued request: a detached session it pinned may be evicted from now on. */
    void workerDrained() {
        if (connection != null) {
            return;
        }
        final DetachedSessions h;
        synchronized (this) {
            h = pinned ? home : null;
        }
        if (h != null) {
            h.unpinLater(this);
        }
    }

    @Override
    public String toString() {
        return "session " + id() + " (" + state() + ")";
    }

    io.tether.engine.admission.RequestRate requestRate() {
        if (requestRate == null) {
            requestRate = new io.tether.engine.admission.RequestRate();
        }
        return requestRate;
    }

    boolean rateExempt() {
        return rateExempt;
    }

    void rateExempt(boolean exempt) {
        this.rateExempt = exempt;
    }
}
