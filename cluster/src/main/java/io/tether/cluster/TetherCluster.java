package io.tether.cluster;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.tether.engine.config.ListenAddress;
import io.tether.engine.config.TetherConfig;
import io.tether.engine.reactor.EventLoopThread;
import io.tether.engine.server.Call;
import io.tether.engine.server.Cluster;
import io.tether.engine.server.PushResult;
import io.tether.engine.server.Reply;
import io.tether.engine.server.RequestHandler;
import io.tether.engine.server.SessionImage;
import io.tether.engine.server.TetherServer;
import io.tether.session.registry.SessionId;
import io.tether.telemetry.CounterSet;
import io.tether.telemetry.Counters;
import io.tether.telemetry.log.LogEvent;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * This node's part in a tether cluster on etcd: its {@link Membership} (lease, node number, fencing), the
 * {@link SessionMoves} directory, and the {@link NodeLinks} that carry forwarded pushes, kicks and hand-overs. It is
 * the {@link Cluster} its server asks.
 *
 * <pre>{@code
 * TetherServer server = TetherServer.builder().config(config).cluster(TetherCluster.of(config)).start();
 * ...
 * server.close();   // drains: every session goes to the other nodes first
 * }</pre>
 *
 * <p>The server drives it: {@link #start} joins (etcd, link server, node number) before the listeners bind,
 * {@link #serving} advertises the node's client URL and lets it own sessions, {@link #drain} runs first in the
 * server's shutdown and {@link #close} last.
 */
public final class TetherCluster implements Cluster, AutoCloseable {
    private static final LogEvent JOINED = LogEvent.info(TetherCluster.class, "cluster.joined");
    private static final LogEvent DRAINING = LogEvent.info(TetherCluster.class, "cluster.draining");
    private static final LogEvent DRAINED = LogEvent.info(TetherCluster.class, "cluster.drained");
    private static final LogEvent PLACED = LogEvent.info(TetherCluster.class, "cluster.drain.placed");
    private static final LogEvent PLACE_FAILED = LogEvent.warn(TetherCluster.class, "cluster.drain.place.failed");
    /** A drain gives a session to another node itself once its client has been away this long. */
    static final long AWAY_MS = 2000;
    private static final long PLACING_PERIOD_MS = 500;
    private static final int PLACING_IN_FLIGHT = 16;
    private static final LogEvent HAND_OVER_REFUSED = LogEvent.info(TetherCluster.class, "cluster.handover.refused");

    /** How often a node's session count and links are refreshed in its member key (when they changed). */
    static final long LOAD_PERIOD_MS = 5000;

    private final TetherConfig config;
    private final ScheduledExecutorService thread;
    private final Duration timeout;
    private Client etcd;
    private Membership membership;
    private SessionMoves moves;
    private NodeLinks links;
    private PrefixWatch watch;
    private final AtomicInteger nextRedirect = new AtomicInteger();
    private volatile TetherServer server;
    private volatile boolean draining;
    private volatile boolean serving;

    private TetherCluster(TetherConfig config) {
        this.config = config;
        this.timeout = config.clusterLinkTimeout();
        // Tasks jetcd's callbacks post after close are dropped, not thrown back into jetcd's threads.
        this.thread = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
            final Thread t = new Thread(r, "tether-cluster");
            t.setDaemon(true);
            return t;
        }, new java.util.concurrent.ThreadPoolExecutor.DiscardPolicy());
    }

    /** A node of the cluster {@code cluster-name} names, for {@link io.tether.engine.server.TetherServerBuilder#cluster}. */
    public static TetherCluster of(TetherConfig config) {
        if (config.clusterName().isEmpty()) {
            throw new IllegalArgumentException("cluster-name is not set");
        }
        return new TetherCluster(config);
    }

    /**
     * Joins: connects to etcd, starts the link server, claims a node number and reads the members and the moves.
     *
     * @throws IllegalStateException when etcd cannot be reached or the cluster cannot be joined
     */
    @Override
    public void start(TetherServer server, Counters counters) {
        try {
            etcd = EtcdClients.build(config);
            final CounterSet set = counters.newSet("cluster");
            final ClusterKeys keys = new ClusterKeys(config.clusterName());
            membership = new Membership(etcd, keys, config.clusterLeaseTtl(), thread, set);
            moves = new SessionMoves(etcd, keys, membership, thread, set, config.etcdTimeout());
            links = new NodeLinks(config, membership);
            membership.onLeft(n -> {
                moves.memberLeft(n);
                links.memberLeft(n);
            });
            final String link = links.serve(Map.of(
                LinkMessages.PUSH, this::onPush,
                LinkMessages.KICK, this::onKick,
                LinkMessages.HAND_OVER, this::onHandOver,
                LinkMessages.ADOPT, this::onAdopt));
            membership.join(new Member(0, config.nodeName(), link, ""), config.etcdTimeout());
            // One watch of the whole cluster prefix: a move and the departure of the node it left arrive in the
            // order etcd made them, so no node sees a session's old node gone before it sees where the session went.
            watch = new PrefixWatch(etcd, keys.root(), new Keys(keys, membership.listener(), moves.listener()), thread,
                config.etcdTimeout(), config.etcdWatchdog());
            watch.start();
            moves.start();
            this.server = server;
            JOINED.log("cluster", config.clusterName(), "node", membership.number(), "link", link, "members",
                membership.members().size());
        } catch (Exception e) {
            close();
            throw new IllegalStateException("cannot join cluster " + config.clusterName() + ": " + e.getMessage(), e);
        }
    }

    /** The listeners are bound: the node owns sessions from now on, and other nodes learn its client URL. */
    @Override
    public void serving() {
        try {
            membership.advertise(membership.self().withClient(clientUrl(server)), config.etcdTimeout());
            thread.scheduleWithFixedDelay(this::publishLoad, LOAD_PERIOD_MS, LOAD_PERIOD_MS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot advertise this node in etcd: " + e.getMessage(), e);
        }
        serving = true;
    }

    private String clientUrl(TetherServer server) {
        if (!config.clientAdvertise().isEmpty()) {
            return config.clientAdvertise();
        }
        final ListenAddress l = config.listen().get(0);
        final InetSocketAddress bound = server.boundAddresses().get(0);
        return new ListenAddress(l.scheme(), NodeLinks.advertisedHost(l.host()), bound.getPort(), l.path()).toString();
    }

    // ---- what the server asks

    @Override
    public int nodeNumber() {
        return membership.number();
    }

    @Override
    public boolean owning() {
        return serving && !draining && membership.owning();
    }

    @Override
    public String redirectTarget() {
        final Member m = nextOther();
        return m == null ? "" : m.client();
    }

    @Override
    public PushResult forwardPush(String sessionId, String topic, ByteString payload) {
        return forward(new LinkMessages.Forward(0, sessionId, topic, payload));
    }

    @Override
    public boolean forwardKick(String sessionId, String reason) {
        return kick(new LinkMessages.Forward(0, sessionId, reason, ByteString.EMPTY));
    }

    @Override
    public SessionImage takeOver(byte[] token, long lastPushSeq) {
        if (token.length < 16) {
            return null;
        }
        final ByteBuffer b = ByteBuffer.wrap(token);
        final String id = SessionId.format(b.getLong(0), b.getLong(8));
        final int holder = moves.holderOf(id);
        if (holder == membership.number() || !membership.members().containsKey(holder)) {
            return null; // its node is gone (or it was never a session of a live node): the client starts anew
        }
        moves.arriving(id);
        final SessionImage image = links.handOver(holder,
            new LinkMessages.HandOver(membership.number(), token, lastPushSeq));
        if (image == null) {
            moves.failed(id);
        } else {
            // An image the server cannot install (a session of that id is here already) must not hold pushes.
            thread.schedule(() -> moves.failed(id), timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        return image;
    }

    @Override
    public void arrived(String sessionId) {
        moves.arrived(sessionId);
    }

    @Override
    public void left(String sessionId, boolean moved) {
        moves.left(sessionId, moved);
    }

    /**
     * Sends a push on to the node that holds its session: after waiting for a hand-over to this node in flight, to
     * the holder etcd (or this node's own hand-over) names, one hop further than it came.
     */
    private PushResult forward(LinkMessages.Forward push) {
        final int holder = nextHop(push);
        if (holder == 0) {
            return PushResult.UNKNOWN;
        }
        final LinkMessages.Forward next = new LinkMessages.Forward(push.hops() + 1, push.sessionId(), push.topic(),
            push.payload());
        if (EventLoopThread.isCurrent()) {
            return links.pushNoWait(holder, next) ? PushResult.QUEUED : PushResult.UNKNOWN;
        }
        return links.push(holder, next);
    }

    private boolean kick(LinkMessages.Forward kick) {
        final int holder = nextHop(kick);
        return holder != 0 && links.kick(holder, new LinkMessages.Forward(kick.hops() + 1, kick.sessionId(),
            kick.topic(), ByteString.EMPTY));
    }

    /** The node to send a push or kick for a session that is not here to, or 0 when there is none. */
    private int nextHop(LinkMessages.Forward f) {
        int holder = moves.holderOf(f.sessionId());
        if (holder == membership.number()) {
            holder = moves.handedOutTo(f.sessionId());
        }
        if (holder == 0 || holder == membership.number() || f.hops() >= LinkMessages.MAX_HOPS
            || !membership.members().containsKey(holder)) {
            return 0;
        }
        return holder;
    }

    // ---- the link server's methods (its virtual threads; one link's requests in the order they were sent)

    private Reply onPush(Call call) {
        final LinkMessages.Forward push = NodeLinks.decode(call.payload(), LinkMessages.Forward::decode);
        final TetherServer s = server;
        if (push == null) {
            return NodeLinks.invalid();
        }
        if (s == null) {
            return Reply.ok(LinkMessages.result(PushResult.UNKNOWN));
        }
        PushResult r = s.pushHere(push.sessionId(), push.topic(), push.payload());
        if (r == null && moves.awaitArrival(push.sessionId(), timeout)) {
            r = s.pushHere(push.sessionId(), push.topic(), push.payload());
        }
        if (r == null) {
            r = forward(push);
        }
        return Reply.ok(LinkMessages.result(r));
    }

    private Reply onKick(Call call) {
        final LinkMessages.Forward kick = NodeLinks.decode(call.payload(), LinkMessages.Forward::decode);
        final TetherServer s = server;
        if (kick == null) {
            return NodeLinks.invalid();
        }
        Boolean done = s == null ? Boolean.FALSE : s.kickHere(kick.sessionId(), kick.topic());
        if (done == null && moves.awaitArrival(kick.sessionId(), timeout)) {
            done = s.kickHere(kick.sessionId(), kick.topic());
        }
        if (done == null) {
            done = kick(kick);
        }
        return Reply.ok(ByteString.copyFrom(new byte[] {(byte) (done ? 1 : 0)}));
    }

    private Reply onHandOver(Call call) {
        final LinkMessages.HandOver h = NodeLinks.decode(call.payload(), LinkMessages.HandOver::decode);
        final TetherServer s = server;
        if (h == null || h.token().length < 16) {
            return NodeLinks.invalid();
        }
        if (s == null || !membership.members().containsKey(h.fromNode())) {
            HAND_OVER_REFUSED.log("node", h.fromNode(), "reason", s == null ? "not started" : "not a member");
            return Reply.ok(ByteString.EMPTY);
        }
        final ByteBuffer b = ByteBuffer.wrap(h.token());
        final String id = SessionId.format(b.getLong(0), b.getLong(8));
        final int placed = moves.handedOutTo(id);
        if (placed != 0 && placed != h.fromNode() && s.sessions().get(id) == null) {
            // A drain here gave it to another node while its client was away: that node hands it over.
            final SessionImage image = links.handOver(placed, h);
            return Reply.ok(image == null ? ByteString.EMPTY : ByteString.copyFrom(image.toBytes()));
        }
        moves.handingOut(id, h.fromNode());
        final SessionImage image = s.handOver(h.token(), timeout.dividedBy(2));
        if (image == null) {
            moves.notHandedOut(id, h.fromNode());
            return Reply.ok(ByteString.EMPTY);
        }
        return Reply.ok(ByteString.copyFrom(image.toBytes()));
    }

    private Reply onAdopt(Call call) {
        final SessionImage image = NodeLinks.decode(call.payload(), p -> SessionImage.fromBytes(p.toByteArray()));
        final TetherServer s = server;
        if (image == null) {
            return NodeLinks.invalid();
        }
        final boolean installed = s != null && owning() && s.receiveSession(image, timeout.dividedBy(2));
        return Reply.ok(ByteString.copyFrom(new byte[] {(byte) (installed ? 1 : 0)}));
    }

    // ---- drain and close

    /**
     * Hands every session of this node to the others: it stops taking sessions (new clients are redirected), tells
     * every connected client to reconnect to another node (Goodbye 4009 with where), and waits until each session
     * was taken over there and etcd shows the moves, at most {@code drain-timeout}. A session whose client does not
     * come back meanwhile is lost when the node stops (its client gets a new session, told so).
     */
    @Override
    public void drain() {
        drainSessions();
    }

    /** As {@link #drain()}. @return the sessions still here at the end */
    public int drainSessions() {
        draining = true;
        final TetherServer s = server;
        if (s == null || !serving) {
            return 0;
        }
        final int sessions = s.sessionCount();
        final int rate = drainRate(config.drainRate(), sessions, config.drainTimeout());
        DRAINING.log("node", membership.number(), "sessions", sessions, "timeout", config.drainTimeout(),
            "per_second", rate);
        final long start = System.nanoTime();
        final long deadline = start + config.drainTimeout().toNanos();
        s.redirectAll(this::redirectTarget, "this node is draining", rate);
        // Sessions whose clients are away (detached before the drain, or sent away and not back for a while) are
        // given to the other nodes once every client was sent: placed there, detached, for their clients' return.
        final long sent = start + (rate <= 0 ? 0 : TimeUnit.SECONDS.toNanos(sessions) / rate);
        long nextPlacing = sent;
        while (System.nanoTime() < deadline && (s.sessionCount() > 0 || !moves.handOversRecorded())) {
            if (System.nanoTime() - nextPlacing >= 0) {
                placeDetached(s);
                nextPlacing = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PLACING_PERIOD_MS);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        final int left = s.sessionCount();
        DRAINED.log("node", membership.number(), "left", left, "ms", (System.nanoTime() - start) / 1_000_000);
        return left;
    }

    /**
     * Gives each session detached here for {@link #AWAY_MS} to another node (round robin over the members that take
     * clients): hands it over as for a resume, then the peer installs it detached. A session the peer does not
     * take is put back here. A client that comes back meanwhile resumes it wherever it is, as after any move.
     */
    private void placeDetached(TetherServer s) {
        final List<byte[]> tokens = s.detachedTokens(Duration.ofMillis(AWAY_MS));
        if (tokens.isEmpty()) {
            return;
        }
        final Semaphore inFlight = new Semaphore(PLACING_IN_FLIGHT);
        final AtomicInteger placed = new AtomicInteger();
        try (var each = Executors.newVirtualThreadPerTaskExecutor()) {
            for (byte[] token : tokens) {
                final Member other = nextOther();
                if (other == null) {
                    return; // no other node to give it to
                }
                final int peer = other.number();
                inFlight.acquireUninterruptibly();
                each.execute(() -> {
                    try {
                        if (place(s, token, peer)) {
                            placed.incrementAndGet();
                        }
                    } finally {
                        inFlight.release();
                    }
                });
            }
        }
        PLACED.log("node", membership.number(), "placed", placed.get(), "of", tokens.size());
    }

    private boolean place(TetherServer s, byte[] token, int peer) {
        final ByteBuffer b = ByteBuffer.wrap(token);
        final String id = SessionId.format(b.getLong(0), b.getLong(8));
        moves.handingOut(id, peer);
        final SessionImage image = s.handOver(token, timeout.dividedBy(2));
        if (image == null) {
            moves.notHandedOut(id, peer); // resumed meanwhile, or ended
            return false;
        }
        if (links.adopt(peer, image)) {
            return true;
        }
        moves.notHandedOut(id, peer);
        if (!s.receiveSession(image, timeout)) {
            PLACE_FAILED.log("session", id, "node", peer);
        }
        return false;
    }

    /** Another member that takes clients, round robin (redirects and placed sessions share the turn); null: none. */
    private Member nextOther() {
        final List<Member> others = new ArrayList<>();
        membership.members().forEach((n, m) -> {
            if (n != membership.number() && !m.client().isEmpty()) {
                others.add(m);
            }
        });
        return others.isEmpty() ? null : others.get(Math.floorMod(nextRedirect.getAndIncrement(), others.size()));
    }

    /**
     * The clients a drain sends away per second: {@code drain-rate}, or more when at that pace they would not all
     * be sent within half of {@code drain-timeout} (the other half is for the last ones to arrive); 0 stays 0.
     */
    static int drainRate(int configured, int sessions, Duration timeout) {
        if (configured <= 0) {
            return 0;
        }
        final long halfSeconds = Math.max(1, timeout.toMillis() / 2000);
        return (int) Math.max(configured, Math.min(Integer.MAX_VALUE, (sessions + halfSeconds - 1) / halfSeconds));
    }

    /** Puts this node's session count and open links in its member key when they changed (the cluster thread). */
    private void publishLoad() {
        final TetherServer s = server;
        if (s == null || !serving) {
            return;
        }
        final StringBuilder open = new StringBuilder();
        links.linkStates().forEach((n, up) -> {
            if (up) {
                open.append(open.isEmpty() ? "" : ",").append(n);
            }
        });
        final Member now = membership.self().withLoad(s.sessionCount(), open.toString());
        if (!now.equals(membership.self())) {
            try {
                membership.advertise(now, config.etcdTimeout());
            } catch (Exception e) {
                // written again at the next period: the load is for people, nothing depends on it
            }
        }
    }

    /** The members, their addresses, sessions and links (the admin endpoint's /cluster). */
    @Override
    public String status() {
        final StringBuilder out = new StringBuilder();
        out.append("cluster ").append(config.clusterName()).append(", this node ").append(membership.number())
            .append(owning() ? "" : " (not owning sessions)").append('\n');
        final Map<Integer, Boolean> open = links.linkStates();
        new TreeMap<>(membership.members()).forEach((n, m) -> out.append(describe(m,
            n == membership.number() ? "this node" : open.getOrDefault(n, false) ? "linked from here" : "")));
        out.append("  moved sessions in etcd: ").append(moves.movedCount()).append('\n');
        return out.toString();
    }

    /**
     * The cluster as etcd has it, for {@code tether cluster status}: its members with their sessions and links, and
     * how many sessions live away from the node their id names. Reads etcd once (with the etcd settings of
     * {@code config}, and its {@code cluster-name}).
     *
     * @throws IllegalStateException when etcd cannot be read
     */
    public static String readStatus(TetherConfig config) {
        final ClusterKeys keys = new ClusterKeys(config.clusterName());
        try (Client etcd = EtcdClients.build(config)) {
            final long ms = config.etcdTimeout().toMillis();
            final var members = etcd.getKVClient().get(ClusterKeys.bytes(keys.members()),
                GetOption.builder().isPrefix(true).build()).get(ms, TimeUnit.MILLISECONDS);
            final long moved = etcd.getKVClient().get(ClusterKeys.bytes(keys.moves()),
                GetOption.builder().isPrefix(true).withCountOnly(true).build())
                .get(ms, TimeUnit.MILLISECONDS).getCount();
            final StringBuilder out = new StringBuilder("cluster " + config.clusterName() + ": "
                + members.getKvs().size() + " nodes\n");
            long sessions = 0;
            for (KeyValue kv : members.getKvs()) {
                final int n = keys.memberNumber(ClusterKeys.text(kv.getKey()));
                if (n > 0) {
                    final Member m = Member.decode(n, ClusterKeys.text(kv.getValue()));
                    sessions += m.sessions();
                    out.append(describe(m, ""));
                }
            }
            out.append("  sessions ").append(sessions).append(" (as the nodes last said, every ")
                .append(LOAD_PERIOD_MS / 1000).append(" s), ").append(moved).append(" of them moved off their home node\n");
            return out.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading etcd", e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read cluster " + config.clusterName() + " from etcd: "
                + e.getMessage(), e);
        }
    }

    /** Sends each key of the cluster's prefix to the listener of its part: members, or moves. */
    private record Keys(ClusterKeys keys, PrefixWatch.Listener members, PrefixWatch.Listener moves)
        implements PrefixWatch.Listener {
        private PrefixWatch.Listener of(String key) {
            return key.startsWith(keys.members()) ? members : key.startsWith(keys.moves()) ? moves : null;
        }

        @Override
        public void put(String key, String value) {
            final PrefixWatch.Listener l = of(key);
            if (l != null) {
                l.put(key, value);
            }
        }

        @Override
        public void deleted(String key) {
            final PrefixWatch.Listener l = of(key);
            if (l != null) {
                l.deleted(key);
            }
        }

        @Override
        public void reloaded(Map<String, String> all) {
            final Map<String, String> m = new java.util.HashMap<>();
            final Map<String, String> v = new java.util.HashMap<>();
            all.forEach((k, value) -> {
                if (k.startsWith(keys.members())) {
                    m.put(k, value);
                } else if (k.startsWith(keys.moves())) {
                    v.put(k, value);
                }
            });
            members.reloaded(m);
            moves.reloaded(v);
        }
    }

    /** One line of a cluster status: a member as its key says. */
    static String describe(Member m, String note) {
        return String.format("  node %5d  %-16s  sessions %6d  client %-26s  link %-26s  links to [%s]%s%n",
            m.number(), m.name(), m.sessions(), m.client(), m.link(), m.links(), note.isEmpty() ? "" : "  " + note);
    }

    @Override
    public void close() {
        serving = false;
        if (watch != null) {
            watch.close();
        }
        if (moves != null) {
            moves.close();
        }
        if (links != null) {
            links.close();
        }
        if (membership != null) {
            membership.close();
        }
        thread.shutdownNow();
        if (etcd != null) {
            etcd.close();
        }
    }
}
