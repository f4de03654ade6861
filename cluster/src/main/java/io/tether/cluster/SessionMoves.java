package io.tether.cluster;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import io.tether.session.registry.SessionId;
import io.tether.telemetry.CounterSet;
import io.tether.telemetry.Metric;
import io.tether.telemetry.log.LogEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The cluster's session directory: which node holds a session. A session lives on the node its id names (the top 16
 * bits of the id's first half, {@link #homeOf}) unless it moved; only moves are written to etcd, so a session that
 * never moves costs etcd nothing, and no push asks etcd anything: every node keeps the moves in memory, followed
 * with a {@link PrefixWatch}.
 *
 * <p>Three maps answer "who holds it?", checked in this order: {@code arriving}, sessions being handed over to this
 * node right now (a push for one waits until it is installed); {@code moved}, the moves etcd has; {@code handedOut},
 * sessions this node handed over and whose move etcd has not shown yet (a push that comes here meanwhile is sent on
 * to the new holder). Moves are written in batches: at most one transaction per {@link #BATCH} changes, every
 * {@link #FLUSH_MS} ms; a move key is put under the lease of the node that holds the session, so it goes when that
 * node goes, and deleted, when the session ends, only if it still names this node.
 */
final class SessionMoves implements AutoCloseable {
    private static final LogEvent WRITE_FAILED = LogEvent.warn(SessionMoves.class, "cluster.directory.write.failed");
    static final int BATCH = 100;
    static final long FLUSH_MS = 20;

    private final Client client;
    private final ClusterKeys keys;
    private final Membership membership;
    private final ScheduledExecutorService thread;
    private final CounterSet counters;
    private final Duration timeout;
    private final Map<String, Integer> moved = new ConcurrentHashMap<>();
    private final Map<String, Integer> handedOut = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Boolean>> arriving = new ConcurrentHashMap<>();
    /** Sessions held here that live away from their home node: their move keys, written again under a new lease. */
    private final Set<String> heldHere = ConcurrentHashMap.newKeySet();
    /** Changes not written yet, by session: true puts this node as its holder, false deletes that. Guarded by itself. */
    private final Map<String, Boolean> pending = new LinkedHashMap<>();
    private final Moves moves = new Moves();
    private volatile boolean closed;

    SessionMoves(Client client, ClusterKeys keys, Membership membership, ScheduledExecutorService thread,
                 CounterSet counters, Duration timeout) {
        this.client = client;
        this.keys = keys;
        this.membership = membership;
        this.thread = thread;
        this.counters = counters;
        this.timeout = timeout;
    }

    /** Hears the moved prefix (from the cluster's one watch of its keys, so moves and members arrive in order). */
    PrefixWatch.Listener listener() {
        return moves;
    }

    void start() {
        thread.scheduleWithFixedDelay(this::flush, FLUSH_MS, FLUSH_MS, TimeUnit.MILLISECONDS);
        membership.onNewLease(this::rewriteHeld);
    }

    /** The node a session id names (0 for text that is not a session id). */
    static int homeOf(String sessionId) {
        final SessionId id = SessionId.decode(sessionId, SessionId::new);
        return id == null ? 0 : (int) (id.high() >>> 48);
    }

    /** The node that holds the session, as far as this node knows (0: none). */
    int holderOf(String sessionId) {
        final Integer m = moved.get(sessionId);
        if (m != null) {
            return m;
        }
        final Integer h = handedOut.get(sessionId);
        return h != null ? h : homeOf(sessionId);
    }

    /** Where this node sent a session it handed over, if etcd does not show the move yet, else 0. */
    int handedOutTo(String sessionId) {
        final Integer h = handedOut.get(sessionId);
        return h == null ? 0 : h;
    }

    /** Moves etcd has now (for cluster status). */
    int movedCount() {
        return moved.size();
    }

    // ---- hand-overs

    /** A hand-over of the session to this node starts: pushes for it wait for {@link #arrived} or {@link #failed}. */
    void arriving(String sessionId) {
        arriving.putIfAbsent(sessionId, new CompletableFuture<>());
    }

    /** Waits for a hand-over to this node in flight. @return true if it arrived, false if none was in flight or it failed */
    boolean awaitArrival(String sessionId, Duration max) {
        final CompletableFuture<Boolean> f = arriving.get(sessionId);
        if (f == null) {
            return false;
        }
        try {
            return f.get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            return false;
        }
    }

    /** The session is installed here: it is recorded as held by this node. */
    void arrived(String sessionId) {
        heldHere.add(sessionId);
        if (homeOf(sessionId) != membership.number()) {
            write(sessionId, true);
        }
        final CompletableFuture<Boolean> f = arriving.remove(sessionId);
        if (f != null) {
            f.complete(true);
        }
    }

    /** The hand-over to this node failed. */
    void failed(String sessionId) {
        final CompletableFuture<Boolean> f = arriving.remove(sessionId);
        if (f != null) {
            f.complete(false);
        }
    }

    /** This node is handing the session to {@code node}: pushes that come here from now on go there. */
    void handingOut(String sessionId, int node) {
        handedOut.put(sessionId, node);
    }

    /** The hand-over to {@code node} did not happen (another, begun meanwhile, keeps its entry). */
    void notHandedOut(String sessionId, int node) {
        handedOut.remove(sessionId, node);
    }

    /**
     * A session that was held here ended, or moved away: then its move key is left for the new holder to overwrite
     * (deleting it first would leave a moment in which the directory points at the session's home node, which may be
     * gone).
     */
    void left(String sessionId, boolean moved) {
        if (heldHere.remove(sessionId) && homeOf(sessionId) != membership.number()) {
            if (!moved) {
                write(sessionId, false);
            } else {
                // Moved on before its arrival here was written: never write it, or a late put naming this node could
                // land after the new holder's. The node it came from forwards to here, and from here to the new one,
                // until the new holder's key shows.
                synchronized (pending) {
                    pending.remove(sessionId);
                }
            }
        }
    }

    /** A member left: the moves to it went with its lease, and what it was handed goes too. */
    void memberLeft(int node) {
        moved.values().removeIf(n -> n == node);
        handedOut.values().removeIf(n -> n == node);
    }

    /** Whether every session this node handed over shows as moved in etcd (a drain waits for that). */
    boolean handOversRecorded() {
        return handedOut.isEmpty();
    }

    // ---- writing

    private void write(String sessionId, boolean put) {
        synchronized (pending) {
            pending.remove(sessionId); // the last change of a session is the one written, once
            pending.put(sessionId, put);
        }
    }

    private void rewriteHeld() {
        for (String id : heldHere) {
            if (homeOf(id) != membership.number()) {
                write(id, true);
            }
        }
    }

    /** Writes up to {@link #BATCH} pending changes in one transaction (the scheduler thread, every FLUSH_MS). */
    private void flush() {
        if (closed) {
            return;
        }
        final List<Map.Entry<String, Boolean>> batch = new ArrayList<>(BATCH);
        synchronized (pending) {
            final var it = pending.entrySet().iterator();
            while (it.hasNext() && batch.size() < BATCH) {
                batch.add(Map.Entry.copyOf(it.next()));
                it.remove();
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        final ByteSequence mine = ClusterKeys.bytes(Integer.toString(membership.number()));
        final PutOption underLease = PutOption.builder().withLeaseId(membership.lease()).build();
        final List<Op> ops = new ArrayList<>(batch.size());
        final List<String> ids = new ArrayList<>(batch.size());
        for (Map.Entry<String, Boolean> e : batch) {
            ids.add(e.getKey());
            final ByteSequence key = ClusterKeys.bytes(keys.moved(e.getKey()));
            ops.add(e.getValue() ? Op.put(key, mine, underLease)
                : Op.txn(new Cmp[] {new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(mine))},
                    new Op[] {Op.delete(key, DeleteOption.DEFAULT)}, new Op[0]));
        }
        if (ops.isEmpty()) {
            return;
        }
        try {
            client.getKVClient().txn().Then(ops.toArray(Op[]::new)).commit()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            counters.addShared(Metric.CLUSTER_DIRECTORY_WRITES, 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing: the node's lease, and its move keys with it, go too
        } catch (Exception e) {
            WRITE_FAILED.fail(e, "changes", ops.size());
            // Written again on the next flush, unless a newer change of the same session came meanwhile.
            synchronized (pending) {
                for (String id : ids) {
                    if (!pending.containsKey(id)) {
                        pending.put(id, heldHere.contains(id));
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        arriving.values().forEach(f -> f.complete(false));
    }

    /** The moved prefix. */
    private final class Moves implements PrefixWatch.Listener {
        @Override
        public void put(String key, String value) {
            final String id = keys.movedSession(key);
            if (id == null) {
                return;
            }
            try {
                final int node = Integer.parseInt(value.trim());
                moved.put(id, node);
                if (node != membership.number()) {
                    handedOut.remove(id); // etcd shows where it went: pushes can go there directly
                }
            } catch (NumberFormatException e) {
                // not a move this version wrote: ignored
            }
        }

        @Override
        public void deleted(String key) {
            final String id = keys.movedSession(key);
            if (id != null) {
                moved.remove(id);
                handedOut.remove(id);
            }
        }

        @Override
        public void reloaded(Map<String, String> all) {
            moved.clear();
            all.forEach(this::put);
        }
    }
}
