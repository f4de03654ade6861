package io.tether.engine.client;

import com.google.protobuf.ByteString;
import io.tether.codec.GoodbyeCode;
import io.tether.codec.proto.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A client's requests that have no answer yet, by id, and the connection they go out on. Ids rise by one per request,
 * so id order is the order the application made them. A request goes out at once if a connection is live, or waits
 * for {@link #tryGoLive}, which sends everything pending in id order before it makes the new connection live; both
 * hold one lock, so no new request can overtake a re-sent one. The server answers a re-sent id once, so after a
 * resume every unanswered request simply goes out again.
 *
 * <p>{@link #send} may be called from any thread; everything else runs on the client's loop. {@code C} is the
 * connection type: the client's {@link io.tether.engine.reactor.Connection}, or a fake in tests.
 *
 * @param <C> what a request is written to
 */
final class PendingRequests<C> {
    /** Writes one request frame to a connection. */
    @FunctionalInterface
    interface RequestWriter<C> {
        void write(C connection, long id, String method, ByteString payload, Map<String, String> headers);
    }

    /** A request not answered yet; {@code sent} once it went out on any connection. */
    private static final class Pending {
        final String method;
        final ByteString payload;
        final Map<String, String> headers;
        final CompletableFuture<Response> future;
        volatile boolean sent;

        Pending(String method, ByteString payload, Map<String, String> headers, CompletableFuture<Response> future) {
            this.method = method;
            this.payload = payload;
            this.headers = headers;
            this.future = future;
        }
    }

    private final RequestWriter<C> writer;
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong();
    private final ReentrantLock sendLock = new ReentrantLock();
    /** The connection requests go out on; null while there is none. Set only under {@link #sendLock}. */
    private volatile C live;

    PendingRequests(RequestWriter<C> writer) {
        this.writer = writer;
    }

    /** The connection that serves the session now, or null while there is none. */
    C live() {
        return live;
    }

    /**
     * Registers a request under the next id and sends it on the live connection, if there is one; else it waits for
     * the next {@link #tryGoLive}. Any thread. @return its id
     */
    long send(String method, ByteString payload, Map<String, String> headers, CompletableFuture<Response> future) {
        final long id = nextId.incrementAndGet();
        final Pending p = new Pending(method, payload, headers, future);
        sendLock.lock();
        try {
            pending.put(id, p);
            final C c = live;
            if (c != null) {
                writer.write(c, id, method, payload, headers);
                p.sent = true;
            }
        } finally {
            sendLock.unlock();
        }
        return id;
    }

    /**
     * Re-sends what is pending on {@code c} and makes it live, holding the send lock so that no new request overtakes
     * a re-sent one. After a resume ({@code sessionLost} false) every unanswered request goes out again, in id order.
     * After a new session, requests the old one may have run fail (their outcome is unknown); ones never sent go
     * out. The loop never waits for the lock: a sender holds it only to enqueue.
     *
     * @return false, having done nothing, when a sender holds the lock now (try again on the next loop cycle)
     */
    boolean tryGoLive(C c, boolean sessionLost) {
        if (!sendLock.tryLock()) {
            return false;
        }
        try {
            resend(c, sessionLost);
            live = c;
        } finally {
            sendLock.unlock();
        }
        return true;
    }

    private void resend(C c, boolean sessionLost) {
        final List<Long> ids = new ArrayList<>(pending.keySet());
        ids.sort(null);
        for (Long id : ids) {
            final Pending p = pending.get(id);
            if (p == null) {
                continue;
            }
            if (sessionLost && p.sent) {
                if (pending.remove(id, p)) {
                    p.future.completeExceptionally(new TetherClosedException(GoodbyeCode.GOING_AWAY,
                        "the session could not be resumed; this request may or may not have run"));
                }
                continue;
            }
            writer.write(c, id, p.method, p.payload, p.headers);
            p.sent = true;
        }
    }

    /** The live connection is gone: requests wait for the next {@link #tryGoLive}. */
    void connectionLost() {
        live = null;
    }

    /** Completes the request {@code r} answers; an id no longer pending (failed meanwhile) is ignored. */
    void complete(Response r) {
        final Pending p = pending.remove(r.getId());
        if (p != null) {
            p.future.complete(r);
        }
    }

    /** Fails request {@code id} if it is still pending. @return whether it was */
    boolean fail(long id, RuntimeException cause) {
        final Pending p = pending.remove(id);
        if (p != null) {
            p.future.completeExceptionally(cause);
        }
        return p != null;
    }

    /** Fails every pending request: the client is done for good. */
    void failAll(RuntimeException cause) {
        for (Long id : new ArrayList<>(pending.keySet())) {
            fail(id, cause);
        }
    }

    /** How many requests wait for their answer. */
    int size() {
        return pending.size();
    }
}
