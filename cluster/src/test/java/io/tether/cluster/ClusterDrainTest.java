package io.tether.cluster;

import static io.tether.engine.TestServers.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tether.engine.client.TetherClient;
import io.tether.engine.server.Session;
import io.tether.engine.server.SessionListener;
import io.tether.engine.server.TetherServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/** A draining node sends its clients away at drain-rate, and every session arrives on the other node. */
class ClusterDrainTest {
    private static final int SESSIONS = 200;

    @Test
    void shouldSendClientsAwayAtTheDrainRateAndHandEverySessionOver() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start(); ClusterNodes nodes = new ClusterNodes(etcd.endpoint(), "drain")) {
            // When each session resumed on b, shortly after a sent its client there.
            final ConcurrentLinkedQueue<Long> resumedAt = new ConcurrentLinkedQueue<>();
            final TetherServer a = nodes.start("a", "drain-rate", "100", "drain-timeout", "30s");
            final var config = ClusterNodes.config(etcd.endpoint(), "drain", "b");
            final TetherServer b = TetherServer.builder().config(config).cluster(TetherCluster.of(config))
                .sessionListener(new SessionListener() {
                    @Override
                    public void onResume(Session session) {
                        resumedAt.add(System.nanoTime());
                    }
                }).start();
            nodes.servers.add(b);
            await("a and b see each other", () -> !a.cluster().redirectTarget().isEmpty()
                && !b.cluster().redirectTarget().isEmpty());
            final List<TetherClient> clients = new ArrayList<>();
            final Map<TetherClient, String> ids = new ConcurrentHashMap<>();
            try {
                for (int i = 0; i < SESSIONS; i++) {
                    final TetherClient c = TetherClient.builder().clientId("d" + i)
                        .backoff(Duration.ofMillis(20), Duration.ofMillis(500), -1).connect(ClusterNodes.url(a));
                    clients.add(c);
                    ids.put(c, c.sessionId());
                }
                assertThat(a.sessionCount()).isEqualTo(SESSIONS);
                final Thread drain = Thread.ofVirtual().start(() -> a.shutdown(Duration.ofSeconds(1)));
                await("every session on b", () -> b.sessionCount() == SESSIONS
                    && clients.stream().allMatch(TetherClient::isOpen), 30);
                drain.join(Duration.ofSeconds(30));
                assertThat(drain.isAlive()).isFalse();
                for (TetherClient c : clients) {
                    assertThat(c.welcome().getResumed()).as("resumed, not a new session").isTrue();
                    assertThat(c.sessionId()).isEqualTo(ids.get(c));
                    assertThat(b.sessions().get(c.sessionId())).isNotNull();
                }
                // 200 clients at 100 a second: sent away, and so resumed, over about two seconds, not all at once.
                await("every resume heard", () -> resumedAt.size() >= SESSIONS);
                assertThat(resumedAt).hasSize(SESSIONS);
                final long first = resumedAt.stream().mapToLong(Long::longValue).min().orElseThrow();
                final long last = resumedAt.stream().mapToLong(Long::longValue).max().orElseThrow();
                assertThat(Duration.ofNanos(last - first)).isGreaterThan(Duration.ofMillis(1500));
            } finally {
                clients.forEach(TetherClient::close);
            }
        }
    }

    @Test
    void shouldGiveASessionWhoseClientIsAwayToAnotherNodeWithItsPushes() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start(); ClusterNodes nodes = new ClusterNodes(etcd.endpoint(), "away")) {
            final TetherServer a = nodes.start("a", "drain-timeout", "20s");
            final TetherServer b = nodes.start("b");
            await("a and b see each other", () -> !a.cluster().redirectTarget().isEmpty()
                && !b.cluster().redirectTarget().isEmpty());
            final List<String> payloads = new java.util.concurrent.CopyOnWriteArrayList<>();
            final List<Long> seqs = new java.util.concurrent.CopyOnWriteArrayList<>();
            final java.net.InetSocketAddress nowhere;
            try (java.net.ServerSocket gone = new java.net.ServerSocket(0)) {
                nowhere = new java.net.InetSocketAddress("127.0.0.1", gone.getLocalPort());
            }
            try (SwitchingProxy lb = new SwitchingProxy(a.boundAddresses().get(0));
                 TetherClient client = TetherClient.builder().clientId("away").timeout(Duration.ofSeconds(1))
                     .backoff(Duration.ofMillis(50), Duration.ofMillis(200), -1)
                     .onPush(p -> {
                         seqs.add(p.getSeq());
                         payloads.add(p.getPayload().toStringUtf8());
                     }).connect(lb.url())) {
                final String id = client.sessionId();
                for (int i = 0; i < 3; i++) {
                    assertThat(a.push(id, "t", com.google.protobuf.ByteString.copyFromUtf8("p" + i)))
                        .isEqualTo(io.tether.engine.server.PushResult.DELIVERED);
                }
                await("the first pushes", () -> payloads.size() == 3);
                lb.switchTo(nowhere); // the client is away: its connection cut, its reconnects go nowhere
                await("detached on a", () -> a.sessions().get(id).state() == Session.State.DETACHED);
                for (int i = 3; i < 6; i++) {
                    assertThat(b.push(id, "t", com.google.protobuf.ByteString.copyFromUtf8("p" + i)))
                        .isEqualTo(io.tether.engine.server.PushResult.QUEUED);
                }
                final Thread drain = Thread.ofVirtual().start(() -> a.shutdown(Duration.ofSeconds(1)));
                drain.join(Duration.ofSeconds(30));
                assertThat(drain.isAlive()).isFalse();
                // a has stopped; the session waits on b, with the pushes its client has not had.
                assertThat(b.sessions().get(id)).isNotNull();
                assertThat(b.sessions().get(id).state()).isEqualTo(Session.State.DETACHED);
                for (int i = 6; i < 8; i++) {
                    assertThat(b.push(id, "t", com.google.protobuf.ByteString.copyFromUtf8("p" + i)))
                        .isEqualTo(io.tether.engine.server.PushResult.QUEUED);
                }
                lb.switchTo(b.boundAddresses().get(0)); // back, through the load balancer, to the node left
                await("resumed on b", () -> client.isOpen() && payloads.size() == 8, 30);
                assertThat(client.welcome().getResumed()).isTrue();
                assertThat(client.sessionId()).isEqualTo(id);
                assertThat(payloads).containsExactly("p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7");
                assertThat(seqs).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
            }
        }
    }

    @Test
    void shouldRaiseTheRateSoEveryClientIsSentWithinHalfTheDrainTimeout() {
        assertThat(TetherCluster.drainRate(1000, 14_600, Duration.ofSeconds(120))).isEqualTo(1000);
        assertThat(TetherCluster.drainRate(100, 14_600, Duration.ofSeconds(30))).isEqualTo(974);
        assertThat(TetherCluster.drainRate(100, 10, Duration.ofMillis(500))).isEqualTo(100);
        assertThat(TetherCluster.drainRate(0, 14_600, Duration.ofSeconds(30))).isZero();
    }
}
