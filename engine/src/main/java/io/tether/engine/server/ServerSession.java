package io.tether.engine.server;

import com.google.protobuf.ByteString;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.tether.codec.FrameEncoder;
import io.tether.codec.GoodbyeCode;
import io.tether.codec.Status;
import io.tether.codec.proto.Request;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.EventLoop;
import io.tether.engine.reactor.EventLoopThread;
import io.tether.engine.transport.Frames;
import io.tether.engine.transport.TlsTransport;
import io.tether.session.Outbox;
import io.tether.session.RecentResponses;
import io.tether.session.ResumeToken;
import io.tether.session.registry.SessionId;
import io.tether.telemetry.Latency;
import io.tether.telemetry.Metric;
import io.tether.tls.PeerIdentity;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session on the server. It outlives its connections: when one is lost the session is detached (kept, with its
 * outbox of unacknowledged pushes, in its loop's {@link DetachedSessions}) and a Hello with its resume token
 * reattaches it to a new connection, on any loop, with every push after the client's last seq sent again.
 *
 * <p><b>Threads.</b> The session's resumable state (state, connection, outbox, recent responses, the seq last
 * written) is guarded by the session's monitor. Every holder only copies bytes while holding it (no I/O, no waiting,
 * no other lock), so event loops take it too. Pushes from any thread are numbered and encoded into the outbox under
 * the monitor; the connection's loop then writes what is new from the outbox, so wire order is seq order whichever
 * thread pushed, and the outbox is the one place a push lives until it is acknowledged.
 *
 * <p><b>Dispatch.</b> Requests decoded from one read are queued in the mailbox; at the end of the read, if no worker
 * runs for this session, one virtual thread is started and drains the mailbox in order, so a whole batch costs one
 * thread start and a session's requests never run concurrently. An idle session has no thread and no queue.
 */
final class ServerSession implements Runnable, Session, Outbox.PushConsumer, RecentResponses.ResponseConsumer {
    private static final Logger LOG = LoggerFactory.getLogger(ServerSession.class);
    private static final VarHandle WORKER;
    private static final VarHandle QUEUED;
    private static final VarHandle FLUSH;
    private static final VarHandle RECOST;
    private static final int IDLE = 0;
    private static final int RUNNING = 1;
    /** Bound on the bytes of the recent-response window of one session. */
    static final int RESPONSE_WINDOW_BYTES = 64 << 10;
    /** What a detached session costs the session cache besides its outbox and responses (estimated). */
    static final int BASE_COST = 1024;
    /** What {@link #resume} says of a Hello from a connection older than the one that holds the session now. */
    static final String STALE_HELLO = "a newer connection of this client holds the session";
    /** Length of a resume token on the wire: the session id, then the 128-bit secret. */
    static final int TOKEN_LENGTH = 32;

    private static final int PENDING = 0;
    private static final int ATTACHED = 1;
    private static final int DETACHED = 2;
    private static final int ENDED = 3;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            WORKER = lookup.findVarHandle(ServerSession.class, "worker", int.class);
            QUEUED = lookup.findVarHandle(ServerSession.class, "queued", int.class);
            FLUSH = lookup.findVarHandle(ServerSession.class, "flushScheduled", int.class);
            RECOST = lookup.findVarHandle(ServerSession.class, "recostScheduled", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final TetherServer server;
    private long idHigh;
    private long idLow;
    private long secretHigh;
    private long secretLow;
    private String clientId = "";
    /** When the session opened (System.nanoTime: sessions opened in one millisecond still sort), for the admin
     * endpoint's oldest sessions. */
    private long openedNanos;

    // ---- guarded by this
    private volatile int state = PENDING;
    private volatile Connection connection;
    private Outbox outbox;
    private RecentResponses recent;
    /** The last seq written to the attached connection. */
    private long sentSeq;
    /**
     * Bytes of pushes appended since the last flush, already counted in the connection's pending bytes (so a pusher
     * sees its backlog at once, not only after the loop catches up) and uncounted when the flush writes them.
     */
    private long unflushedBytes;
    /** Where {@link #onPush} and {@link #onResponse} write during a flush or replay. */
    private Connection writeTarget;
    private UnsafeBuffer view;
    /** The loop's detached sessions this one waits in while detached, else null. */
    private DetachedSessions home;
    private long detachDeadlineMs;
    private boolean pinned;
    private boolean ending;
    /** The highest {@code hello_seq} of a Hello that opened or resumed this session (0: the client numbers none). */
    private long helloSeq;
    /** Requests running inline on a loop now (more than one only for a moment after a move to another loop). */
    private volatile int inlineRunning;
    /** Workers waiting in {@link #awaitInlineDone}. */
    private int inlineWaiters;

    // ---- any thread
    private volatile int flushScheduled;
    private volatile int recostScheduled;
    private volatile int worker;
    private volatile ConcurrentLinkedQueue<Request> mailbox;
    /** Requests queued for the worker and not yet answered (a field, not an AtomicInteger: 16 bytes a session). */
    private volatile int queued;

    ServerSession(TetherServer server, Connection connection) {
        this.server = server;
        this.connection = connection;
    }

    // ---- identity

    @Override
    public String id() {
        return SessionId.format(idHigh, idLow);
    }

    @Override
    public String clientId() {
        return clientId;
    }

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
        return outbox == null ? 0 : outbox.lastSeq();
    }

    @Override
    public PeerIdentity peer() {
        final Connection c = connection;
        return c != null && c.driver() instanceof TlsTransport t ? t.peer() : null;
    }

    long idHigh() {
        return idHigh;
    }

    long idLow() {
        return idLow;
    }

    boolean established() {
        return state != PENDING;
    }

    TetherServer server() {
        return server;
    }

    /** The connection serving the session, null while detached. */
    Connection connection() {
        return connection;
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
        this.idHigh = idHigh;
        this.idLow = idLow;
        this.secretHigh = secretHigh;
        this.secretLow = secretLow;
        this.clientId = clientId;
        this.openedNanos = System.nanoTime();
        this.state = ATTACHED;
    }

    long openedNanos() {
        return openedNanos;
    }

    /** Bytes of unacknowledged pushes kept for the session (any thread). */
    synchronized int outboxBytes() {
        return outbox == null ? 0 : outbox.retainedBytes();
    }

    /** The resume token as the client gets it: the 16 bytes of the id, then the 16 bytes of the secret. */
    byte[] token() {
        return ByteBuffer.allocate(TOKEN_LENGTH).putLong(idHigh).putLong(idLow).putLong(secretHigh).putLong(secretLow)
            .array();
    }

    /** Whether a presented secret is this session's, compared in constant time ({@link ResumeToken#equals}). */
    boolean secretMatches(long high, long low) {
        return new ResumeToken(secretHigh, secretLow).equals(new ResumeToken(high, low));
    }

    // ---- resume and detach (loop threads)

    /**
     * Reattaches this session to {@code c} (a Hello with its token, on c's loop): Welcome{resumed=true}, then every
     * push after {@code lastSeq}. A connection still serving the session is closed (taken over).
     *
     * @param helloSeq the Hello's number (0: not numbered); one not above the last accepted comes from an older
     *                 connection of the client, delivered after a newer one resumed: it is {@link #STALE_HELLO}
     * @return null when resumed, {@link #STALE_HELLO}, else why not (the caller opens a new session instead)
     */
    String resume(Connection c, long lastSeq, int heartbeatMs, long helloSeq) {
        final Connection old;
        final DetachedSessions wasHome;
        final boolean resumable;
        synchronized (this) {
            if (state == ENDED) {
                return "the session has ended";
            }
            if (helloSeq != 0 && Long.compareUnsigned(helloSeq, this.helloSeq) <= 0) {
                return STALE_HELLO;
            }
            old = connection;
            wasHome = home;
            resumable = outbox == null ? lastSeq == 0 : outbox.canResumeFrom(lastSeq);
            if (resumable) {
                if (helloSeq != 0) {
                    this.helloSeq = helloSeq;
                }
                connection = c;
                state = ATTACHED;
                home = null;
                flushScheduled = 0;
                unflushedBytes = 0; // counted on the old connection, which is gone
                if (outbox != null) {
                    outbox.ack(lastSeq);
                }
                sentSeq = lastSeq;
            } else {
                state = ENDED;
                connection = null;
                home = null;
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
            server.sessionEnded(this, "could not resume: pushes after seq " + lastSeq + " are no longer kept");
            return "pushes after seq " + lastSeq + " are no longer kept";
        }
        c.attach(this);
        Frames.writeWelcome(c, id(), token(), true, heartbeatMs);
        final int replayed;
        synchronized (this) {
            replayed = writeNewPushes(c);
        }
        c.loop().counters().add(Metric.PUSHES_REPLAYED, replayed);
        return null;
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
                detachDeadlineMs = EventLoop.nowMs() + server.config().resumeWindow().toMillis();
                pinned = queued > 0;
            }
        }
        server.listeners().disconnected(this, code, reason);
        if (detached) {
            c.loop().counters().increment(Metric.SESSIONS_DETACHED);
            server.detachedSessions(c.loop()).add(this);
        } else {
            server.sessionEnded(this, reason);
        }
    }

    /** Ends a detached session that waited in {@code from} (expired or evicted). @return false if it moved on */
    boolean endDetached(DetachedSessions from) {
        synchronized (this) {
            if (state != DETACHED || home != from) {
                return false;
            }
            state = ENDED;
            home = null;
        }
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
        return BASE_COST + (outbox == null ? 0 : outbox.capacity()) + (recent == null ? 0 : recent.capacity());
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
            server.sessionEnded(this, reason);
        }
        return true;
    }

    /** The client said Goodbye: its session ends with the connection. */
    synchronized void endWithConnection() {
        ending = true;
    }

    // ---- pushes (any thread)

    /** Pushes from any thread; see {@link TetherServer#push}. */
    PushResult push(String topic, ByteString payload) {
        final Connection current = connection;
        if (current != null && !EventLoopThread.isCurrent()) {
            current.awaitWritable();
        }
        final Connection c;
        final long dropped;
        synchronized (this) {
            if (state == ENDED) {
                return PushResult.UNKNOWN;
            }
            Outbox o = outbox;
            if (o == null) {
                outbox = o = new Outbox(server.config().sessionOutboxBytes());
            }
            final long seq = o.nextSeq();
            final int body = FrameEncoder.pushLength(seq, topic, payload);
            if (!o.fits(body + Outbox.RECORD_OVERHEAD)) {
                throw new IllegalArgumentException("a push of " + body + " bytes is larger than the session outbox ("
                    + "session-outbox-bytes), so it could not be kept for a resume");
            }
            final long droppedBefore = o.droppedPushes();
            final int at = o.appendInPlace(seq, body);
            FrameEncoder.putPush(view(o.buffer()), at, seq, topic, payload);
            dropped = o.droppedPushes() - droppedBefore;
            c = state == ATTACHED ? connection : null;
            if (c != null) {
                unflushedBytes += body;
                c.addPending(body);
            }
        }
        if (dropped > 0) {
            server.sharedCounters().addShared(Metric.PUSHES_DROPPED, dropped);
        }
        if (c != null) {
            scheduleFlush(c);
            return PushResult.DELIVERED;
        }
        scheduleRecost();
        return PushResult.QUEUED;
    }

    private void scheduleFlush(Connection c) {
        if (!FLUSH.compareAndSet(this, 0, 1)) {
            return; // the loop has not flushed since the last push: it will write this one too
        }
        final EventLoop loop = c.loop();
        if (loop.inLoop()) {
            flushPushes(c);
            return;
        }
        if (!c.signal()) {
            loop.execute(() -> flushPushes(c));
        }
    }

    private void scheduleRecost() {
        if (RECOST.compareAndSet(this, 0, 1)) {
            final DetachedSessions h;
            synchronized (this) {
                h = home;
            }
            if (h == null) {
                recostScheduled = 0;
            } else {
                h.recostLater(this);
            }
        }
    }

    void recostDone() {
        recostScheduled = 0;
    }

    /** Writes the pushes {@code c} has not had yet (c's loop). */
    void flushPushes(Connection c) {
        FLUSH.setVolatile(this, 0);
        final boolean lost;
        synchronized (this) {
            if (connection != c || state != ATTACHED || c.isClosing() || outbox == null) {
                return;
            }
            lost = outbox.lostThroughSeq() > sentSeq;
            if (!lost) {
                writeNewPushes(c);
            }
            c.addPending(-unflushedBytes); // now counted as written bytes instead
            unflushedBytes = 0;
        }
        if (lost) {
            c.loop().counters().increment(Metric.SLOW_CONSUMERS);
            c.closeWithGoodbye(GoodbyeCode.SLOW_CONSUMER, "the session outbox overflowed: pushes were dropped "
                + "before they could be sent");
        }
    }

    /** Holding the monitor, on c's loop: writes every push after {@link #sentSeq}. @return how many */
    private int writeNewPushes(Connection c) {
        if (outbox == null) {
            return 0;
        }
        writeTarget = c;
        final int n = outbox.replayAfter(sentSeq, this);
        writeTarget = null;
        sentSeq = outbox.lastSeq();
        return n;
    }

    @Override
    public void onPush(long seq, byte[] buffer, int offset, int length) {
        Frames.writeBody(writeTarget, buffer, offset, length);
        writeTarget.loop().counters().increment(Metric.PUSHES);
    }

    /** The client acknowledged every push up to {@code seq} (c's loop). */
    synchronized void ack(Connection c, long seq) {
        if (connection == c && outbox != null) {
            outbox.ack(seq);
        }
    }

    // ---- requests

    /** What {@link #admit} decided for a request. */
    enum Admission { RUN_INLINE, QUEUED, HANDLED }

    /**
     * A request arrived on {@code c} (its loop). One hold of the monitor checks that {@code c} still serves the
     * session, sorts out re-sends, and queues the request: two loops may hold requests of one session at once (a
     * resume moved it while the old connection's last read was being decoded), and only checking and queueing in
     * one step keeps the queue in id order. The caller counted the request as started.
     *
     * @param inline whether the handler may run on the loop: it does when nothing else of this session is queued
     *               or running, otherwise it waits its turn in the queue like any other request.
     * @return RUN_INLINE: run it now and answer with {@link #respond(long, Reply, boolean)}; QUEUED: the worker
     *     runs it; HANDLED: a re-send answered from the recent responses or still running, or a request from a
     *     connection the session has left (the client sends it again on the new one).
     */
    Admission admit(Connection c, Request request, boolean inline) {
        final long requestId = request.getId();
        final RecentResponses.Status status;
        boolean pause = false;
        synchronized (this) {
            if (connection != c) {
                return Admission.HANDLED;
            }
            RecentResponses r = recent;
            if (r == null) {
                recent = r = new RecentResponses(server.config().sessionResponseWindow(), RESPONSE_WINDOW_BYTES);
            }
            status = r.begin(requestId);
            if (status == RecentResponses.Status.NEW) {
                if (inline && inlineRunning == 0 && queued == 0) {
                    inlineRunning++;
                    return Admission.RUN_INLINE;
                }
                ConcurrentLinkedQueue<Request> box = mailbox;
                if (box == null) {
                    mailbox = box = new ConcurrentLinkedQueue<>();
                }
                box.offer(request);
                pause = (int) QUEUED.getAndAdd(this, 1) + 1 >= server.config().maxSessionInflight();
            } else if (status == RecentResponses.Status.ANSWERED) {
                writeTarget = c;
                r.replay(requestId, this);
                writeTarget = null;
            }
        }
        if (status == RecentResponses.Status.NEW) {
            if (pause) {
                c.pauseReadByHandler();
            }
            return Admission.QUEUED;
        }
        c.loop().counters().increment(Metric.DUPLICATE_REQUESTS);
        if (status == RecentResponses.Status.ANSWER_NOT_KEPT) {
            Frames.writeResponse(c, requestId, Status.ABORTED, ByteString.EMPTY, "request " + requestId
                + " already ran; its response was too large to keep for a re-send");
        }
        return Admission.HANDLED;
    }

    @Override
    public void onResponse(long requestId, byte[] buffer, int offset, int length) {
        Frames.writeBody(writeTarget, buffer, offset, length);
    }

    /**
     * Keeps the response for re-sends and sends it to the connection serving the session now (any thread).
     *
     * @param inline whether it answers a request {@link #admit} let run inline (which no longer runs now)
     */
    void respond(long requestId, Reply reply, boolean inline) {
        final Connection c;
        synchronized (this) {
            if (inline && --inlineRunning == 0 && inlineWaiters > 0) {
                notifyAll();
            }
            final int body = FrameEncoder.responseLength(requestId, reply.status(), reply.payload(), reply.error());
            if (recent != null) {
                final int at = recent.completeInPlace(requestId, EventLoop.nowMs(), body);
                if (at >= 0) {
                    FrameEncoder.putResponse(view(recent.buffer()), at, requestId, reply.status(), reply.payload(),
                        reply.error());
                }
            }
            c = state == ATTACHED ? connection : null;
        }
        if (c == null) {
            return; // detached: a re-send after the resume is answered from the window
        }
        if (c.loop().inLoop()) {
            Frames.writeResponse(c, requestId, reply.status(), reply.payload(), reply.error());
        } else {
            Frames.sendResponse(c, requestId, reply.status(), reply.payload(), reply.error());
        }
    }

    /** Drops kept responses older than {@code beforeMs} (the heartbeat sweep), releasing an idle window's array. */
    void expireResponses(long beforeMs) {
        if (recent == null) {
            return;
        }
        synchronized (this) {
            recent.expireCompletedBefore(beforeMs);
        }
    }

    private UnsafeBuffer view(byte[] array) {
        if (view == null) {
            view = new UnsafeBuffer(array);
        } else if (view.byteArray() != array) {
            view.wrap(array);
        }
        return view;
    }

    // ---- dispatch (loop side)

    /** End of a read: start the worker if requests wait and none runs. */
    void startWorkerIfIdle() {
        final ConcurrentLinkedQueue<Request> box = mailbox;
        if (box != null && !box.isEmpty() && WORKER.compareAndSet(this, IDLE, RUNNING)) {
            server.startVirtual(this);
        }
    }

    // ---- the worker (a virtual thread)

    @Override
    public void run() {
        final ConcurrentLinkedQueue<Request> box = mailbox;
        while (true) {
            Request r;
            int left = -1;
            while ((r = box.poll()) != null) {
                handle(r);
                left = (int) QUEUED.getAndAdd(this, -1) - 1;
                if (left == server.config().maxSessionInflight() / 2) {
                    final Connection c = connection;
                    if (c != null) {
                        c.loop().execute(c::resumeReadByHandler);
                    }
                }
            }
            worker = IDLE;
            // A request queued after the poll but before the store above would otherwise wait for the next read.
            if (box.isEmpty() || !WORKER.compareAndSet(this, IDLE, RUNNING)) {
                if (left == 0 && connection == null) {
                    unpinLater();
                }
                return;
            }
        }
    }

    /** The last handler of a detached session finished: it may be evicted from now on. */
    private void unpinLater() {
        final DetachedSessions h;
        synchronized (this) {
            h = pinned ? home : null;
        }
        if (h != null) {
            h.unpinLater(this);
        }
    }

    private void handle(Request request) {
        if (inlineRunning != 0) {
            awaitInlineDone();
        }
        final TetherServer.Registration registration = server.registration(request.getMethod());
        try {
            respond(request.getId(), invoke(registration.handler(), request), false);
        } finally {
            server.requestDone();
        }
    }

    /**
     * An inline handler of this session still runs on the loop of the connection the session left: requests run
     * one at a time and in order, so this one waits for it (a virtual thread, so waiting costs no carrier).
     */
    private synchronized void awaitInlineDone() {
        inlineWaiters++;
        try {
            while (inlineRunning > 0) {
                wait();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inlineWaiters--;
        }
    }

    /** Runs a handler and turns every outcome into a Reply; used on loops and virtual threads alike. */
    Reply invoke(RequestHandler handler, Request request) {
        final long started = System.nanoTime();
        final RequestSpans spans = server.requestSpans();
        final Span span = spans == null ? null : spans.start(request);
        Reply reply = null;
        try (Scope ignored = span == null ? null : span.makeCurrent()) {
            reply = call(handler, request);
            return reply;
        } finally {
            final Connection c = connection;
            (c != null ? c.loop().counters() : server.sharedCounters()).record(Latency.REQUEST,
                System.nanoTime() - started);
            if (span != null) {
                RequestSpans.end(span, reply);
            }
        }
    }

    private Reply call(RequestHandler handler, Request request) {
        try {
            final Reply reply = handler.handle(new Call(this, request));
            return reply == null ? Reply.ok() : reply;
        } catch (TetherException e) {
            return Reply.error(e.status() == Status.OK ? Status.INTERNAL : e.status(), String.valueOf(e.getMessage()));
        } catch (Throwable t) {
            server.sharedCounters().addShared(Metric.HANDLER_ERRORS, 1);
            LOG.warn("handler for '{}' failed (session {})", request.getMethod(), id(), t);
            return Reply.error(Status.INTERNAL, "internal error: " + t.getClass().getSimpleName());
        }
    }

    @Override
    public String toString() {
        return "session " + id() + " (" + state() + ")";
    }
}
