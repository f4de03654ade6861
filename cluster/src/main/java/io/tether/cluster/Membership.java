package io.tether.cluster;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.tether.telemetry.CounterSet;
import io.tether.telemetry.Metric;
import io.tether.telemetry.log.LogEvent;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * This node's membership of the cluster, and the cluster's members as etcd says.
 *
 * <p><b>Joining.</b> The node takes a lease of {@code cluster-lease-ttl} and claims a node number: a random free one
 * from 1 to 65535, taken by a transaction that creates {@code members/NNNNN} under its lease only if no one has it.
 * The number goes into the top of every session id the node opens, so the home node of a session needs no lookup.
 *
 * <p><b>Staying.</b> It renews the lease every third of the TTL, with a keep-alive of its own (one request, bounded
 * by a third of the TTL), so it knows when the last renewal was sent. <b>Fencing:</b> once two thirds of the TTL
 * have passed since the last renewal that etcd confirmed was sent, the node stops owning sessions
 * ({@link #owning()} is false): it opens none and takes none over, and redirects new clients. Since the lease runs
 * from etcd's receipt of that renewal, which came after it was sent, the node has given up ownership a third of a
 * TTL before etcd could expire its lease and let another node take its number or its sessions. A renewal that
 * succeeds again ends the fence. A lease etcd no longer knows (it expired) is lost: the node takes a new one and
 * claims its number again if no one took it meanwhile (expiry and re-registration are counted and logged, as is
 * every renewal etcd did not answer in time); if someone did, the node stays fenced for
 * good, since the ids of its sessions now name another node.
 *
 * <p>The members come from the cluster's one watch of its keys ({@link #listener()}).
 */
final class Membership implements AutoCloseable {
    private static final LogEvent REGISTERED = LogEvent.info(Membership.class, "cluster.registered");
    private static final LogEvent RENEWAL_FAILED = LogEvent.warn(Membership.class, "cluster.lease.renewal.failed");
    private static final LogEvent LEASE_EXPIRED = LogEvent.warn(Membership.class, "cluster.lease.expired");
    private static final LogEvent FENCED = LogEvent.warn(Membership.class, "cluster.fenced");
    private static final LogEvent UNFENCED = LogEvent.info(Membership.class, "cluster.unfenced");
    private static final LogEvent NUMBER_LOST = LogEvent.error(Membership.class, "cluster.number.lost");
    private static final LogEvent MEMBER_BAD = LogEvent.warn(Membership.class, "cluster.member.invalid");
    private static final int CLAIM_TRIES = 64;

    private final Client client;
    private final ClusterKeys keys;
    private final Duration ttl;
    private final ScheduledExecutorService thread;
    private final CounterSet counters;
    private final Map<Integer, Member> members = new ConcurrentHashMap<>();
    private final Members membersListener = new Members();
    /** Called on the scheduler thread when a member leaves (its key is deleted: lease expired or revoked). */
    private volatile IntConsumer onLeft = n -> { };
    /** Called on the scheduler thread after a new lease was taken: keys under the old one are gone. */
    private volatile Runnable onNewLease = () -> { };

    private volatile long lease;
    private volatile int number;
    private volatile Member self;
    /** System.nanoTime when the last renewal etcd confirmed was sent. */
    private volatile long renewedNanos;
    private volatile boolean fenced;
    private volatile boolean numberLost;
    private volatile boolean closed;

    Membership(Client client, ClusterKeys keys, Duration ttl, ScheduledExecutorService thread, CounterSet counters) {
        this.client = client;
        this.keys = keys;
        this.ttl = ttl;
        this.thread = thread;
        this.counters = counters;
    }

    /** Takes a lease, claims a free number for {@code member} (its number is ignored) and starts renewing. */
    int join(Member member, Duration timeout) throws Exception {
        final long sent = System.nanoTime();
        lease = client.getLeaseClient().grant(ttl.toSeconds()).get(timeout.toMillis(), TimeUnit.MILLISECONDS).getID();
        renewedNanos = sent;
        for (int i = 0; i < CLAIM_TRIES; i++) {
            final int n = ThreadLocalRandom.current().nextInt(1, 0x10000);
            final Member m = member.withNumber(n);
            if (claim(m).get(timeout.toMillis(), TimeUnit.MILLISECONDS).isSucceeded()) {
                number = n;
                self = m;
                counters.addShared(Metric.CLUSTER_REGISTERED, 1);
                REGISTERED.log("node", n, "name", m.name(), "lease", Long.toHexString(lease), "ttl", ttl);
                thread.schedule(this::renew, renewPeriodMs(), TimeUnit.MILLISECONDS);
                return n;
            }
        }
        throw new IllegalStateException("no free node number after " + CLAIM_TRIES + " tries");
    }

    private CompletableFuture<TxnResponse> claim(Member m) {
        final var key = ClusterKeys.bytes(keys.member(m.number()));
        return client.getKVClient().txn()
            .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0)))
            .Then(Op.put(key, ClusterKeys.bytes(m.encode()), PutOption.builder().withLeaseId(lease).build()))
            .commit();
    }

    /** Writes this node's member key again with what changed (its client URL, its load). */
    void advertise(Member m, Duration timeout) throws Exception {
        client.getKVClient().put(ClusterKeys.bytes(keys.member(number)), ClusterKeys.bytes(m.encode()),
            PutOption.builder().withLeaseId(lease).build()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        self = m;
    }

    int number() {
        return number;
    }

    long lease() {
        return lease;
    }

    Member self() {
        return self;
    }

    /** The live members, this node included. */
    Map<Integer, Member> members() {
        return members;
    }

    /** Hears the members prefix (from the cluster's one watch of its keys). */
    PrefixWatch.Listener listener() {
        return membersListener;
    }

    void onLeft(IntConsumer listener) {
        this.onLeft = listener;
    }

    void onNewLease(Runnable listener) {
        this.onNewLease = listener;
    }

    /**
     * Whether the node may own sessions: its lease was renewed less than two thirds of a TTL ago, and its number is
     * still its own.
     */
    boolean owning() {
        return !numberLost && !closed && System.nanoTime() - renewedNanos < ttl.toNanos() * 2 / 3;
    }

    private long renewPeriodMs() {
        return Math.max(100, ttl.toMillis() / 3);
    }

    // ---- the scheduler thread

    private void renew() {
        if (closed) {
            return;
        }
        checkFence();
        final long sent = System.nanoTime();
        final long current = lease;
        client.getLeaseClient().keepAliveOnce(current).orTimeout(renewPeriodMs(), TimeUnit.MILLISECONDS)
            .whenComplete((response, error) -> thread.execute(() -> renewed(current, sent, response, error)));
    }

    private void renewed(long renewedLease, long sent, LeaseKeepAliveResponse response, Throwable error) {
        if (closed) {
            return;
        }
        if (error == null && response.getTTL() > 0) {
            renewedNanos = Math.max(renewedNanos, sent);
            checkFence();
            thread.schedule(this::renew, Math.max(0, renewPeriodMs() - (System.nanoTime() - sent) / 1_000_000),
                TimeUnit.MILLISECONDS);
            return;
        }
        final boolean gone = error == null || String.valueOf(error.getMessage()).contains("not found");
        if (gone) {
            counters.addShared(Metric.CLUSTER_LEASE_EXPIRED, 1);
            LEASE_EXPIRED.log("node", number, "lease", Long.toHexString(renewedLease), "since_renewal_ms",
                (System.nanoTime() - renewedNanos) / 1_000_000);
        } else {
            counters.addShared(Metric.CLUSTER_LEASE_RENEWALS_FAILED, 1);
            RENEWAL_FAILED.log("node", number, "lease", Long.toHexString(renewedLease), "reason", error.toString());
        }
        checkFence();
        if (gone) {
            rejoin();
        } else {
            thread.schedule(this::renew, renewPeriodMs(), TimeUnit.MILLISECONDS);
        }
    }

    /** The lease expired: a new one, and the same number under it if still free. */
    private void rejoin() {
        final long sent = System.nanoTime();
        client.getLeaseClient().grant(ttl.toSeconds()).orTimeout(renewPeriodMs() * 2, TimeUnit.MILLISECONDS)
            .thenCompose(granted -> {
                lease = granted.getID();
                return claim(self);
            })
            .orTimeout(renewPeriodMs() * 2, TimeUnit.MILLISECONDS)
            .whenComplete((txn, error) -> thread.execute(() -> {
                if (closed) {
                    return;
                }
                if (error != null) {
                    RENEWAL_FAILED.log("node", number, "lease", "new", "reason", error.toString());
                    thread.schedule(this::rejoin, renewPeriodMs(), TimeUnit.MILLISECONDS);
                    return;
                }
                if (!txn.isSucceeded()) {
                    numberLost = true;
                    NUMBER_LOST.log("node", number, "reason", "another node took this node's number while its lease "
                        + "was gone; it owns no session from now on");
                    checkFence();
                    return;
                }
                renewedNanos = sent;
                counters.addShared(Metric.CLUSTER_REGISTERED, 1);
                REGISTERED.log("node", number, "name", self.name(), "lease", Long.toHexString(lease), "ttl", ttl);
                checkFence();
                onNewLease.run();
                thread.schedule(this::renew, renewPeriodMs(), TimeUnit.MILLISECONDS);
            }));
    }

    private void checkFence() {
        final boolean now = !owning();
        if (now && !fenced) {
            counters.addShared(Metric.CLUSTER_FENCED, 1);
            FENCED.log("node", number, "since_renewal_ms", (System.nanoTime() - renewedNanos) / 1_000_000, "ttl", ttl);
        } else if (!now && fenced) {
            UNFENCED.log("node", number);
        }
        fenced = now;
        if (!closed) {
            // Fencing must not wait for a keep-alive's answer: check again when the fence would start.
            final long untilFenceMs = (renewedNanos + ttl.toNanos() * 2 / 3 - System.nanoTime()) / 1_000_000;
            if (!now && untilFenceMs >= 0) {
                thread.schedule(this::checkFenceOnly, untilFenceMs + 1, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void checkFenceOnly() {
        final boolean now = !owning();
        if (now && !fenced && !closed) {
            counters.addShared(Metric.CLUSTER_FENCED, 1);
            FENCED.log("node", number, "since_renewal_ms", (System.nanoTime() - renewedNanos) / 1_000_000, "ttl", ttl);
            fenced = true;
        }
    }

    /** Leaves the cluster: stops renewing and revokes the lease, so its keys go at once (at most {@code timeout}). */
    @Override
    public void close() {
        closed = true;
        try {
            client.getLeaseClient().revoke(lease).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the lease expires by itself within a TTL
        }
    }

    /** The members prefix. */
    private final class Members implements PrefixWatch.Listener {
        @Override
        public void put(String key, String value) {
            final int n = keys.memberNumber(key);
            if (n < 0) {
                return;
            }
            try {
                members.put(n, Member.decode(n, value));
            } catch (IllegalArgumentException e) {
                MEMBER_BAD.log("key", key, "reason", e.getMessage());
            }
        }

        @Override
        public void deleted(String key) {
            final int n = keys.memberNumber(key);
            if (n > 0 && members.remove(n) != null) {
                onLeft.accept(n);
            }
        }

        @Override
        public void reloaded(Map<String, String> all) {
            final Set<Integer> before = new HashSet<>(members.keySet());
            members.clear();
            all.forEach(this::put);
            before.removeAll(members.keySet());
            before.forEach(onLeft::accept);
        }
    }
}
