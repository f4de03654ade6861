package io.tether.cluster;

import com.google.protobuf.ByteString;
import io.tether.codec.Status;
import io.tether.codec.proto.Response;
import io.tether.engine.client.TetherClient;
import io.tether.engine.config.ConfigBinder;
import io.tether.engine.config.ListenAddress;
import io.tether.engine.config.TetherConfig;
import io.tether.engine.server.PushResult;
import io.tether.engine.server.Reply;
import io.tether.engine.server.RequestHandler;
import io.tether.engine.server.SessionImage;
import io.tether.engine.server.TetherServer;
import io.tether.session.Backoff;
import io.tether.telemetry.log.LogEvent;
import io.tether.tls.TlsClientSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The links between this node and the others. Each link is an ordinary tether session: this node's link server (a
 * small {@link TetherServer} of its own on {@code cluster-listen}, one event loop, that serves only the cluster's
 * methods) and, for each peer it sends to, a {@link TetherClient} to that peer's link server, made on first use. So
 * a link has tether's framing, its per-session order (a peer runs the requests of one link in the order they were
 * sent), resume and re-send after a break, and mutual TLS when {@code cluster-listen} is {@code tls://}.
 *
 * <p>Bounds: a link has at most {@code cluster-link-queue} requests waiting for their answers; past that, and for a
 * peer that cannot be reached, a push is answered UNKNOWN (not delivered) at once. A request not answered within
 * {@code cluster-link-timeout} is answered as failed; the link keeps it and sends it again after a reconnect, so it
 * may still arrive, once (a peer answers a re-sent request from its recent responses, never runs it twice).
 */
final class NodeLinks implements AutoCloseable {
    private static final LogEvent LINK_FAILED = LogEvent.warn(NodeLinks.class, "cluster.link.failed");
    private static final LogEvent LINK_OPENED = LogEvent.info(NodeLinks.class, "cluster.link.opened");

    private final TetherConfig config;
    private final Membership membership;
    private final Duration timeout;
    private final int maxQueued;
    private final TlsClientSettings tls;
    private final Map<Integer, Link> links = new ConcurrentHashMap<>();
    private TetherServer server;

    NodeLinks(TetherConfig config, Membership membership) {
        this.config = config;
        this.membership = membership;
        this.timeout = config.clusterLinkTimeout();
        this.maxQueued = config.clusterLinkQueue();
        this.tls = config.clusterListen().isTls()
            ? TlsClientSettings.mutual(Path.of(config.tlsCert()), Path.of(config.tlsKey()), Path.of(config.tlsCa()))
            : null;
    }

    /** Starts the link server with the cluster's methods. @return the URL other nodes reach it on */
    String serve(Map<String, RequestHandler> methods) {
        final TetherConfig linkConfig = ConfigBinder.with(config, Map.of(
            "listen", List.of(config.clusterListen().toString()),
            "io-threads", List.of("1"),
            "stat-file", List.of("off"),
            "admin-listen", List.of(""),
            "cluster-name", List.of(""),
            "dispatch", List.of("virtual"),
            "trace-sample-ratio", List.of("0"),
            "tls-client-auth", List.of(config.clusterListen().isTls() ? "required" : config.tlsClientAuth())));
        final var b = TetherServer.builder().config(linkConfig).withoutBuiltins();
        methods.forEach(b::onRequest);
        server = b.start();
        final InetSocketAddress bound = server.boundAddresses().get(0);
        if (!config.clusterAdvertise().isEmpty()) {
            return config.clusterAdvertise();
        }
        final ListenAddress l = config.clusterListen();
        return new ListenAddress(l.scheme(), advertisedHost(l.host()), bound.getPort(), l.path()).toString();
    }

    /** A host others can reach for one bound to every interface: this host's name. */
    static String advertisedHost(String bound) {
        if (!bound.equals("0.0.0.0") && !bound.equals("::") && !bound.isEmpty()) {
            return bound;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "127.0.0.1";
        }
    }

    /** Sends a push on to {@code node} and waits for its answer (at most the link timeout). */
    PushResult push(int node, LinkMessages.Forward push) {
        final Response r = call(node, LinkMessages.PUSH, push.encode());
        if (r == null || r.getStatus() != Status.OK) {
            return PushResult.UNKNOWN;
        }
        return LinkMessages.result(r.getPayload());
    }

    /**
     * Sends a push on to {@code node} without waiting, for an event loop: never opens the link there (that waits for
     * the peer's Welcome); a push to a link not open yet waits, in order, for a virtual thread that opens it.
     */
    boolean pushNoWait(int node, LinkMessages.Forward push) {
        final Member m = membership.members().get(node);
        if (m == null || node == membership.number()) {
            return false;
        }
        return links.computeIfAbsent(node, n -> new Link(m)).pushLater(push.encode());
    }

    boolean kick(int node, LinkMessages.Forward kick) {
        final Response r = call(node, LinkMessages.KICK, kick.encode());
        return r != null && r.getStatus() == Status.OK && r.getPayload().size() == 1 && r.getPayload().byteAt(0) == 1;
    }

    /** Asks {@code node} to hand a session over. @return its image, or null (not there, or the link failed) */
    SessionImage handOver(int node, LinkMessages.HandOver request) {
        final Response r = call(node, LinkMessages.HAND_OVER, request.encode());
        if (r == null || r.getStatus() != Status.OK || r.getPayload().isEmpty()) {
            return null;
        }
        return SessionImage.fromBytes(r.getPayload().toByteArray());
    }

    /** Gives {@code node} a session whose client is away (a drain). @return whether it installed it */
    boolean adopt(int node, SessionImage image) {
        final Response r = call(node, LinkMessages.ADOPT, ByteString.copyFrom(image.toBytes()));
        return r != null && r.getStatus() == Status.OK && r.getPayload().size() == 1 && r.getPayload().byteAt(0) == 1;
    }

    private Response call(int node, String method, ByteString payload) {
        final Link link = link(node);
        if (link == null) {
            return null;
        }
        final CompletableFuture<Response> f = link.send(method, payload);
        if (f == null) {
            return null;
        }
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            LINK_FAILED.log("node", node, "method", method, "reason", e.toString());
            return null;
        }
    }

    /** The link to a live member, connected on first use; null when it is not a member or cannot be reached. */
    private Link link(int node) {
        final Member m = membership.members().get(node);
        if (m == null || node == membership.number()) {
            return null;
        }
        final Link link = links.computeIfAbsent(node, n -> new Link(m));
        return link.member.equals(m) || !links.remove(node, link) ? link : link(node);
    }

    /** The member left: its link goes. */
    void memberLeft(int node) {
        final Link link = links.remove(node);
        if (link != null) {
            link.close();
        }
    }

    /** Links open now, by peer number (for cluster status). */
    Map<Integer, Boolean> linkStates() {
        final Map<Integer, Boolean> states = new TreeMap<>();
        links.forEach((n, l) -> states.put(n, l.isOpen()));
        return states;
    }

    @Override
    public void close() {
        links.values().forEach(Link::close);
        links.clear();
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    /** A link to one peer: its client, connected on first use, and the count of requests waiting for answers. */
    private final class Link {
        private final Member member;
        private final AtomicInteger waiting = new AtomicInteger();
        /** Read without the lock by {@link #pushLater}; set under it by {@link #client()}. */
        private volatile TetherClient client;
        private long failedAtNanos;
        /** Pushes from event loops that wait for the link to open, sent in order by one virtual thread. */
        private final java.util.concurrent.ConcurrentLinkedQueue<ByteString> later =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final java.util.concurrent.atomic.AtomicBoolean sendingLater =
            new java.util.concurrent.atomic.AtomicBoolean();

        Link(Member member) {
            this.member = member;
        }

        /** Sends a request, or says null when the link cannot take it (full, or the peer cannot be reached). */
        CompletableFuture<Response> send(String method, ByteString payload) {
            final TetherClient c = client();
            return c == null ? null : send(c, method, payload);
        }

        private CompletableFuture<Response> send(TetherClient c, String method, ByteString payload) {
            if (waiting.incrementAndGet() > maxQueued) {
                waiting.decrementAndGet();
                return null;
            }
            final CompletableFuture<Response> f;
            try {
                f = c.request(method, payload);
            } catch (RuntimeException e) {
                waiting.decrementAndGet();
                return null;
            }
            return f.whenComplete((r, e) -> waiting.decrementAndGet());
        }

        /**
         * From an event loop: sends a push on the open link at once, or, while the link is not open (or earlier
         * pushes still wait for it), queues it for the virtual thread that opens the link. @return false when full
         */
        boolean pushLater(ByteString push) {
            final TetherClient c = client;
            if (c != null && !c.closeFuture().isDone() && later.isEmpty()) {
                return send(c, LinkMessages.PUSH, push) != null;
            }
            if (later.size() >= maxQueued) {
                return false;
            }
            later.add(push);
            if (sendingLater.compareAndSet(false, true)) {
                Thread.ofVirtual().name("tether-link-open").start(this::sendLater);
            }
            return true;
        }

        /** Opens the link (it may wait for the peer) and sends the queued pushes in order. */
        private void sendLater() {
            do {
                ByteString push;
                while ((push = later.peek()) != null) {
                    final TetherClient c = client();
                    if (c == null) {
                        LINK_FAILED.log("node", member.number(), "method", "push", "reason",
                            "the link could not be opened; pushes made on an event loop dropped: " + later.size());
                        later.clear();
                        break;
                    }
                    send(c, LinkMessages.PUSH, push);
                    later.poll(); // only now: a push made meanwhile keeps waiting behind this one
                }
                sendingLater.set(false);
            } while (!later.isEmpty() && sendingLater.compareAndSet(false, true));
        }

        private synchronized TetherClient client() {
            if (client != null && !client.closeFuture().isDone()) {
                return client;
            }
            // A peer that could not be reached is not tried again for a moment: pushes to it fail fast meanwhile.
            if (failedAtNanos != 0 && System.nanoTime() - failedAtNanos < TimeUnit.MILLISECONDS.toNanos(200)) {
                return null;
            }
            try {
                final TetherClient.Builder b = TetherClient.builder().clientId("node-" + membership.number())
                    .timeout(timeout).backoff(Duration.ofMillis(50), Duration.ofSeconds(1), Backoff.UNLIMITED);
                if (tls != null) {
                    b.tls(tls);
                }
                client = b.connect(member.link());
                failedAtNanos = 0;
                LINK_OPENED.log("node", member.number(), "link", member.link());
                return client;
            } catch (IOException | RuntimeException e) {
                failedAtNanos = System.nanoTime();
                LINK_FAILED.log("node", member.number(), "method", "connect", "reason", e.getMessage());
                return null;
            }
        }

        synchronized boolean isOpen() {
            return client != null && client.isOpen();
        }

        synchronized void close() {
            if (client != null) {
                client.close();
                client = null;
            }
        }
    }

    /** Decodes a request's payload for a handler, answering INVALID_ARGUMENT when it is not one. */
    static <T> T decode(ByteString payload, Function<ByteString, T> decoder) {
        try {
            return decoder.apply(payload);
        } catch (RuntimeException e) {
            return null;
        }
    }

    static Reply invalid() {
        return Reply.error(Status.INVALID_ARGUMENT, "not a cluster link message");
    }
}
