package io.tether.engine.server;

import io.tether.codec.proto.Request;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The virtual thread side of one session: a mailbox of requests decoded by the loop, drained in order by at most one
 * virtual thread at a time. At the end of a read the loop starts a thread if requests wait and none runs, so a whole
 * batch costs one thread start and a session's requests never run concurrently; an idle session has no thread.
 *
 * <p>The run loop has one try/finally per request: whatever a handler or the encoding of its response throws, the
 * request is counted done, the mailbox goes on being drained, and reads paused for this session's backlog resume.
 * Made on a session's first queued request.
 */
final class SessionWorker implements Runnable {
    private static final VarHandle STATE;
    private static final VarHandle QUEUED;
    private static final int IDLE = 0;
    private static final int RUNNING = 1;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(SessionWorker.class, "state", int.class);
            QUEUED = lookup.findVarHandle(SessionWorker.class, "queued", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ServerSession session;
    private final RequestLedger ledger;
    private final Dispatcher dispatcher;
    private final ConcurrentLinkedQueue<Request> mailbox = new ConcurrentLinkedQueue<>();
    private volatile int state = IDLE;
    /** Requests queued and not yet answered (a field, not an AtomicInteger: 16 bytes a session). */
    private volatile int queued;

    SessionWorker(ServerSession session, RequestLedger ledger, Dispatcher dispatcher) {
        this.session = session;
        this.ledger = ledger;
        this.dispatcher = dispatcher;
    }

    /** Queues a request (its loop, holding the session's monitor). @return the requests now queued */
    int offer(Request request) {
        mailbox.offer(request);
        return (int) QUEUED.getAndAdd(this, 1) + 1;
    }

    int queued() {
        return queued;
    }

    /** End of a read: starts the thread if requests wait and none runs. */
    void startIfIdle() {
        if (!mailbox.isEmpty() && STATE.compareAndSet(this, IDLE, RUNNING)) {
            dispatcher.start(this);
        }
    }

    @Override
    public void run() {
        final int resumeReadsAt = dispatcher.maxSessionInflight() / 2;
        int left = -1;
        while (true) {
            Request r;
            while ((r = mailbox.poll()) != null) {
                try {
                    handle(r);
                } catch (Throwable t) {
                    ledger.respondFailed(r, t);
                } finally {
                    dispatcher.requestDone();
                    left = (int) QUEUED.getAndAdd(this, -1) - 1;
                    if (left == resumeReadsAt) {
                        session.resumeReads();
                    }
                }
            }
            state = IDLE;
            // A request queued after the poll but before the store above would otherwise wait for the next read.
            if (mailbox.isEmpty() || !STATE.compareAndSet(this, IDLE, RUNNING)) {
                if (left == 0) {
                    session.workerDrained();
                }
                return;
            }
        }
    }

    /** Runs one queued request and answers it. */
    private void handle(Request request) {
        if (ledger.inlineRunning()) {
            awaitInlineDone();
        }
        final Dispatcher.Registration registration = dispatcher.registration(request.getMethod());
        ledger.respond(request.getId(), session.invoke(registration.handler(), request), false);
    }

    /**
     * An inline handler of this session still runs on the loop of the connection the session left: requests run
     * one at a time and in order, so this one waits for it (a virtual thread, so waiting costs no carrier).
     */
    private void awaitInlineDone() {
        synchronized (session) {
            ledger.addWaiter(1);
            try {
                while (ledger.inlineRunning()) {
                    session.wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                ledger.addWaiter(-1);
            }
        }
    }
}
