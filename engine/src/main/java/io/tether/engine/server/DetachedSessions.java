package io.tether.engine.server;

import io.tether.engine.reactor.EventLoop;
import io.tether.session.ContextCache;
import io.tether.telemetry.Metric;
import java.util.ArrayDeque;
import org.agrona.collections.LongArrayQueue;

/**
 * The sessions of one event loop whose connection was lost, waiting for their clients to resume them. Only that
 * loop touches this object; other threads post to it ({@code ...Later}).
 *
 * <p>Two bounds apply. Time: a session waits at most {@code --resume-window}; the deadlines sit in a FIFO (every
 * session gets the same window, so arrival order is deadline order) checked once a second, so the work is
 * O(detaches), with no timer per session. Memory: the sessions and their outboxes sit in an LRU-2
 * {@link ContextCache} bounded by this loop's share of {@code --session-cache-bytes}; a session whose handler is
 * still running is pinned and never evicted. An evicted or expired session ends, and its client's resume opens a
 * new session ({@code resumed=false}).
 *
 * <p>Entries go stale when a session resumes (on any loop) or ends: each check asks the session whether it still
 * waits here, under its monitor, so a stale entry is dropped rather than acted on.
 */
final class DetachedSessions {
    private static final long SWEEP_MS = 1000;

    private final TetherServer server;
    private final EventLoop loop;
    private final ContextCache<ServerSession, ServerSession> cache;
    private final ArrayDeque<ServerSession> byDeadline = new ArrayDeque<>();
    private final LongArrayQueue deadlines = new LongArrayQueue(Long.MIN_VALUE);
    private long accesses;

    DetachedSessions(TetherServer server, EventLoop loop, long capacityBytes) {
        this.server = server;
        this.loop = loop;
        this.cache = ContextCache.lru2(capacityBytes, ServerSession::cost, () -> ++accesses, this::evicted);
    }

    void start() {
        loop.execute(this::schedule);
    }

    private void schedule() {
        loop.schedule(SWEEP_MS, () -> {
            expire(EventLoop.nowMs());
            schedule();
        });
    }

    /** A session of this loop was detached. */
    void add(ServerSession s) {
        assert loop.inLoop();
        if (s.pinned()) {
            cache.putAcquired(s, s);
        } else {
            cache.put(s, s);
        }
        byDeadline.addLast(s);
        deadlines.addLong(EventLoop.nowMs() + server.config().resumeWindow().toMillis());
    }

    /** Ends the sessions whose window has passed. */
    void expire(long nowMs) {
        while (!byDeadline.isEmpty() && deadlines.peekLong() <= nowMs) {
            final ServerSession s = byDeadline.pollFirst();
            deadlines.pollLong();
            if (s.expiredIn(this, nowMs) && s.endDetached(this)) {
                cache.remove(s);
                loop.counters().increment(Metric.SESSIONS_EXPIRED);
                server.directory().ended(s, "not resumed within the resume window");
            }
        }
    }

    private void evicted(ServerSession key, ServerSession s) {
        if (s.endDetached(this)) {
            loop.counters().increment(Metric.SESSIONS_EVICTED);
            server.directory().ended(s, "evicted from the session cache");
        }
    }

    /** The session resumed or ended: its entry here goes (from any thread). */
    void forgetLater(ServerSession s) {
        loop.runInLoop(() -> {
            if (!s.waitsIn(this)) {
                cache.remove(s);
            }
        });
    }

    /** The session's outbox changed size while it waits here (from any thread). */
    void recostLater(ServerSession s) {
        loop.runInLoop(() -> {
            s.recostDone();
            if (s.waitsIn(this) && cache.contains(s)) {
                cache.recost(s);
            }
        });
    }

    /** The session's last running handler finished: it may be evicted now (from any thread). */
    void unpinLater(ServerSession s) {
        loop.runInLoop(() -> {
            if (s.takePin(this) && cache.refCount(s) > 0) {
                cache.release(s);
            }
        });
    }
}
