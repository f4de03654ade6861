package io.tether.cluster;

import static io.tether.engine.TestServers.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tether.codec.proto.Push;
import io.tether.engine.client.TetherClient;
import io.tether.engine.server.PushResult;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Three nodes on a real etcd: pushes and kicks from every node reach sessions on every other, in order. */
class ClusterPushTest {
    private static final int PUSHES = 40;

    @Test
    void shouldDeliverPushesFromEveryNodeToSessionsOnEveryOtherInOrder() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start(); ClusterNodes nodes = new ClusterNodes(etcd.endpoint(), "push")) {
            final List<TetherServer> servers = List.of(nodes.start("a"), nodes.start("b"), nodes.start("c"));
            final Map<String, List<String>> received = new ConcurrentHashMap<>();
            final List<TetherClient> clients = new ArrayList<>();
            try {
                for (TetherServer s : servers) {
                    for (int i = 0; i < 2; i++) {
                        final List<String> got = new CopyOnWriteArrayList<>();
                        final TetherClient c = TetherClient.builder().clientId("c" + clients.size())
                            .onPush((Push p) -> got.add(p.getTopic() + ":" + p.getPayload().toStringUtf8()))
                            .connect(ClusterNodes.url(s));
                        received.put(c.sessionId(), got);
                        clients.add(c);
                    }
                }
                // Every session id names the node it opened on.
                assertThat(clients.stream().map(c -> SessionMoves.homeOf(c.sessionId())).distinct()).hasSize(3);
                final List<Thread> senders = new ArrayList<>();
                final List<PushResult> results = new CopyOnWriteArrayList<>();
                for (int n = 0; n < servers.size(); n++) {
                    final TetherServer from = servers.get(n);
                    final String sender = "n" + n;
                    senders.add(Thread.ofVirtual().start(() -> {
                        for (int i = 0; i < PUSHES; i++) {
                            for (TetherClient c : clients) {
                                results.add(from.push(c.sessionId(), sender, ByteString.copyFromUtf8("" + i)));
                            }
                        }
                    }));
                }
                for (Thread t : senders) {
                    t.join();
                }
                assertThat(results).hasSize(3 * PUSHES * clients.size()).containsOnly(PushResult.DELIVERED);
                for (TetherClient c : clients) {
                    final List<String> got = received.get(c.sessionId());
                    await("every push at " + c.sessionId(), () -> got.size() == 3 * PUSHES);
                    for (int n = 0; n < 3; n++) {
                        final String sender = "n" + n;
                        assertThat(got.stream().filter(s -> s.startsWith(sender + ":")).map(s -> s.substring(3)))
                            .as("pushes from %s to %s, in order", sender, c.sessionId())
                            .containsExactlyElementsOf(java.util.stream.IntStream.range(0, PUSHES)
                                .mapToObj(Integer::toString).toList());
                    }
                }
                assertThat(servers.get(0).counters().total(Metric.PUSHES_FORWARDED)).isEqualTo(PUSHES * 4L);
                assertThat(servers.get(0).push("AAAAAAAAAAAAAAAAAAAAAA", "t", ByteString.EMPTY))
                    .isEqualTo(PushResult.UNKNOWN);
                // A kick from another node ends the session where it lives.
                final TetherClient kicked = clients.get(5);
                assertThat(servers.get(0).kick(kicked.sessionId(), "bye")).isTrue();
                await("kicked", () -> kicked.closeFuture().isDone());
                assertThat(servers.get(1).push(kicked.sessionId(), "t", ByteString.EMPTY))
                    .isEqualTo(PushResult.UNKNOWN);
            } finally {
                clients.forEach(TetherClient::close);
            }
        }
    }

    @Test
    void shouldForwardAPushMadeOnAnEventLoopWithoutOpeningTheLinkThere() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start(); ClusterNodes nodes = new ClusterNodes(etcd.endpoint(), "inline")) {
            final TetherServer a = nodes.start("a", "dispatch", "inline"); // send runs on a's event loop
            final TetherServer b = nodes.start("b");
            final List<String> got = new CopyOnWriteArrayList<>();
            try (TetherClient onB = TetherClient.builder().clientId("x")
                     .onPush((Push p) -> got.add(p.getPayload().toStringUtf8())).connect(ClusterNodes.url(b));
                 TetherClient sender = TetherClient.builder().clientId("s").connect(ClusterNodes.url(a))) {
                for (int i = 0; i < 20; i++) {
                    assertThat(sender.request("send", ByteString.copyFromUtf8("" + i), Map.of("to", onB.sessionId()))
                        .get(10, java.util.concurrent.TimeUnit.SECONDS).getStatus()).isZero();
                }
                await("the pushes, in order", () -> got.size() == 20);
                assertThat(got).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20)
                    .mapToObj(Integer::toString).toList());
            }
        }
    }
}
