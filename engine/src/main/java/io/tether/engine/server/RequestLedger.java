package io.tether.engine.server;

import com.google.protobuf.ByteString;
import io.tether.codec.FrameEncoder;
import io.tether.codec.Status;
import io.tether.codec.proto.Request;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.EventLoop;
import io.tether.engine.transport.Frames;
import io.tether.session.RecentResponses;
import io.tether.telemetry.Metric;
import io.tether.telemetry.log.LogEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A session's requests: the window of recent responses that answers a re-sent request without running it again
 * (dedupe), the one-at-a-time order of its handlers (one may run inline on a loop while later ones wait), and the
 * {@link SessionWorker} that runs the queued ones on a virtual thread.
 *
 * <p>Made on a session's first request, so an idle session does not pay for it. Its state is guarded by the
 * session's monitor, which only ever guards copying bytes; the methods that say so are called holding it.
 */
final class RequestLedger implements RecentResponses.ResponseConsumer {
    private static final LogEvent RESPONSE_FAILED = LogEvent.warn(RequestLedger.class, "response.failed");
    private static final LogEvent ERROR_RESPONSE_FAILED = LogEvent.warn(RequestLedger.class,
        "response.error.failed");
    /** Bound on the bytes of the recent-response window of one session. */
    static final int RESPONSE_WINDOW_BYTES = 64 << 10;

    /** What {@link #admit} decided for a request. */
    enum Admission { RUN_INLINE, QUEUED, HANDLED }

    private final ServerSession session;
    private final Dispatcher dispatcher;
    private final RecentResponses recent;
    /** Requests running inline on a loop now (more than one only for a moment after a move to another loop). */
    private volatile int inlineRunning;
    /** Workers waiting for the inline ones to finish. */
    private int inlineWaiters;
    /** Made on the first queued request. */
    private volatile SessionWorker worker;
    /** Where {@link #onResponse} writes during {@link #replay}. */
    private Connection writeTarget;
    private UnsafeBuffer view;

    RequestLedger(ServerSession session, Dispatcher dispatcher, int maxEntries) {
        this.session = session;
        this.dispatcher = dispatcher;
        this.recent = new RecentResponses(maxEntries, RESPONSE_WINDOW_BYTES);
    }

    /**
     * A request arrived on {@code c} (its loop). One hold of the session's monitor checks that {@code c} still
     * serves the session, sorts out re-sends, and queues the request: two loops may hold requests of one session at
     * once (a resume moved it while the old connection's last read was being decoded), and only checking and
     * queueing in one step keeps the queue in id order. The caller counted the request as started.
     *
     * @param inline whether the handler may run on the loop: it does when nothing else of this session is queued
     *               or running, otherwise it waits its turn in the queue like any other request.
     * @return RUN_INLINE: run it now and answer with {@link #respond(long, Reply, boolean)}; QUEUED: the worker
     *     runs it; HANDLED: a re-send answered from the recent responses or still running, or a request from a
     *     connection the session has left (the client sends it again on the new one).
     */
    Admission admit(Connection c, Request request, boolean inline, int maxQueued) {
        final long requestId = request.getId();
        final RecentResponses.Status status;
        boolean pause = false;
        synchronized (session) {
            if (!session.servedBy(c)) {
                return Admission.HANDLED;
            }
            status = begin(requestId);
            if (status == RecentResponses.Status.NEW) {
                SessionWorker w = worker;
                if (inline && tryRunInline(w == null ? 0 : w.queued())) {
                    return Admission.RUN_INLINE;
                }
                if (w == null) {
                    worker = w = new SessionWorker(session, this, dispatcher);
                }
                pause = w.offer(request) >= maxQueued;
            } else if (status == RecentResponses.Status.ANSWERED) {
                replay(c, requestId);
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

    /**
     * Keeps the response for re-sends and sends it to the connection serving the session now (any thread).
     *
     * @param inline whether it answers a request {@link #admit} let run inline (which no longer runs now)
     */
    void respond(long requestId, Reply reply, boolean inline) {
        final Connection c;
        synchronized (session) {
            if (inline && inlineDone()) {
                session.notifyAll();
            }
            dispatcher.beforeEncoding(reply);
            complete(requestId, reply, EventLoop.nowMs());
            c = session.attachedConnection();
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

    /**
     * Answering a request failed (its response could not be encoded or sent): the client gets INTERNAL rather than
     * waiting for ever, and the session goes on.
     */
    void respondFailed(Request request, Throwable t) {
        dispatcher.sharedCounters().addShared(Metric.HANDLER_ERRORS, 1);
        RESPONSE_FAILED.fail(t, "method", request.getMethod(), "request", request.getId(), "session", session.id());
        try {
            respond(request.getId(), Reply.error(Status.INTERNAL, "internal error: the response could not be sent ("
                + t.getClass().getSimpleName() + ")"), false);
        } catch (Throwable again) {
            ERROR_RESPONSE_FAILED.fail(again, "request", request.getId(), "session", session.id());
        }
    }

    /** End of a read: start the worker if requests wait and none runs. */
    void startWorkerIfIdle() {
        final SessionWorker w = worker;
        if (w != null) {
            w.startIfIdle();
        }
    }

    /** Requests queued for the worker and not answered yet. */
    int queued() {
        final SessionWorker w = worker;
        return w == null ? 0 : w.queued();
    }

    // ---- the order of handlers (holding the session's monitor)

    /**
     * A new request may run inline only when nothing of the session runs or waits before it: then it is counted as
     * running inline and this says true.
     */
    boolean tryRunInline(int queued) {
        if (inlineRunning == 0 && queued == 0) {
            inlineRunning++;
            return true;
        }
        return false;
    }

    /** An inline request finished. @return whether a worker waits for that */
    boolean inlineDone() {
        return --inlineRunning == 0 && inlineWaiters > 0;
    }

    /** Any thread: whether an inline handler of the session runs now. */
    boolean inlineRunning() {
        return inlineRunning > 0;
    }

    void addWaiter(int delta) {
        inlineWaiters += delta;
    }

    // ---- the window of recent responses (holding the session's monitor)

    /** Holding the session's monitor: the remembered responses, oldest first, for a hand-over to another node. */
    List<SessionImage.Response> keptResponses() {
        final List<SessionImage.Response> kept = new ArrayList<>(recent.size());
        recent.forEach((id, buffer, offset, length) -> kept.add(new SessionImage.Response(id,
            length < 0 ? null : Arrays.copyOfRange(buffer, offset, offset + length))));
        return kept;
    }

    /** Holding the session's monitor: remembers the responses a session handed over from another node had. */
    void restore(List<SessionImage.Response> responses, long nowMs) {
        for (SessionImage.Response r : responses) {
            final byte[] body = r.body();
            recent.restore(r.requestId(), nowMs, body, 0, body == null ? -1 : body.length);
        }
    }

    /** Where a request id stands: new (now begun), in flight, answered (replay it), or answered and not kept. */
    RecentResponses.Status begin(long requestId) {
        return recent.begin(requestId);
    }

    /** Writes the kept response of {@code requestId} to {@code c} again. */
    void replay(Connection c, long requestId) {
        writeTarget = c;
        try {
            recent.replay(requestId, this);
        } finally {
            writeTarget = null;
        }
    }

    @Override
    public void onResponse(long requestId, byte[] buffer, int offset, int length) {
        Frames.writeBody(writeTarget, buffer, offset, length);
    }

    /** Keeps the response of {@code requestId} for re-sends (when it fits the window), encoded as a Response frame. */
    void complete(long requestId, Reply reply, long nowMs) {
        final int body = FrameEncoder.responseLength(requestId, reply.status(), reply.payload(), reply.error());
        final int at = recent.completeInPlace(requestId, nowMs, body);
        if (at >= 0) {
            view = BufferViews.over(view, recent.buffer());
            FrameEncoder.putResponse(view, at, requestId, reply.status(), reply.payload(), reply.error());
        }
    }

    /** Drops kept responses older than {@code beforeMs}, releasing an idle window's array. */
    void expireBefore(long beforeMs) {
        recent.expireCompletedBefore(beforeMs);
    }

    int capacity() {
        return recent.capacity();
    }
}
