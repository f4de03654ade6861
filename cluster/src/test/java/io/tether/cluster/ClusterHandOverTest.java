package io.tether.cluster;

import static io.tether.engine.TestServers.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tether.codec.proto.Push;
import io.tether.codec.proto.Response;
import io.tether.engine.client.TetherClient;
import io.tether.engine.server.PushResult;
import io.tether.engine.server.Reply;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A session whose client reconnects to another node is handed over there with everything it had. */
class ClusterHandOverTest {
    /** Runs of the "work" method by payload, over every node of the test. */
    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    private final CountDownLatch workStarted = new CountDownLatch(1);
    /** Holds the "work" handler until the test has cut the client's connection. */
    private final CountDownLatch finishWork = new CountDownLatch(1);

    private TetherServer node(ClusterNodes nodes, String name) {
        final var config = ClusterNodes.config(nodes.etcd(), nodes.name(), name);
        final TetherServer s = TetherServer.builder().config(config).cluster(TetherCluster.of(config))
            .onRequest("work", call -> {
                runs.computeIfAbsent(call.payload().toStringUtf8(), k -> new AtomicInteger()).incrementAndGet();
                workStarted.countDown();
                try {
                    finishWork.await(10, TimeUnit.SECONDS); // still running when the client's connection is cut
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Reply.ok(ByteString.copyFromUtf8("done " + call.payload().toStringUtf8()));
            }).start();
        nodes.servers.add(s);
        return s;
    }

    @Test
    void shouldResumeOnAnotherNodeWithEveryUnacknowledgedPushOnceInOrderAndRunRequestsOnce() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start(); ClusterNodes nodes = new ClusterNodes(etcd.endpoint(), "move")) {
            final TetherServer a = node(nodes, "a");
            final TetherServer b = node(nodes, "b");
            final TetherServer c = node(nodes, "c");
            final List<Long> seqs = new CopyOnWriteArrayList<>();
            final List<String> payloads = new CopyOnWriteArrayList<>();
            try (SwitchingProxy lb = new SwitchingProxy(a.boundAddresses().get(0));
                 TetherClient client = TetherClient.builder().clientId("mover")
                     .backoff(java.time.Duration.ofMillis(20), java.time.Duration.ofMillis(200), -1)
                     .onPush((Push p) -> {
                         seqs.add(p.getSeq());
                         payloads.add(p.getPayload().toStringUtf8());
                     }).connect(lb.url())) {
                final String id = client.sessionId();
                assertThat(SessionMoves.homeOf(id)).isEqualTo(a.cluster().nodeNumber())
                    .isNotEqualTo(b.cluster().nodeNumber());
                for (int i = 0; i < 20; i++) {
                    assertThat(a.push(id, "t", ByteString.copyFromUtf8("p" + i))).isEqualTo(PushResult.DELIVERED);
                }
                await("the first pushes", () -> seqs.size() == 20);
                final CompletableFuture<Response> work = client.request("work", ByteString.copyFromUtf8("w1"));
                assertThat(workStarted.await(5, TimeUnit.SECONDS)).isTrue();
                // The load balancer sends the client's next connection to b, while pushes keep coming from c.
                lb.switchTo(b.boundAddresses().get(0));
                final List<PushResult> during = new ArrayList<>();
                for (int i = 20; i < 60; i++) {
                    during.add(c.push(id, "t", ByteString.copyFromUtf8("p" + i)));
                }
                finishWork.countDown();
                assertThat(work.get(10, TimeUnit.SECONDS).getPayload().toStringUtf8()).isEqualTo("done w1");
                await("resumed on b", () -> client.isOpen() && b.sessions().get(id) != null);
                assertThat(client.welcome().getResumed()).isTrue();
                assertThat(client.sessionId()).isEqualTo(id);
                for (int i = 60; i < 80; i++) {
                    // From its home node, which no longer holds it: sent on to b.
                    assertThat(a.push(id, "t", ByteString.copyFromUtf8("p" + i))).isEqualTo(PushResult.DELIVERED);
                }
                await("every push", () -> payloads.size() >= 80);
                assertThat(during).doesNotContain(PushResult.UNKNOWN);
                assertThat(payloads).containsExactlyElementsOf(IntStream.range(0, 80).mapToObj(i -> "p" + i).toList());
                assertThat(seqs).containsExactlyElementsOf(IntStream.rangeClosed(1, 80).mapToObj(i -> (long) i)
                    .toList());
                assertThat(runs.get("w1")).hasValue(1);
                assertThat(a.sessions().get(id)).isNull();
                assertThat(a.counters().total(Metric.SESSIONS_HANDED_OUT)).isEqualTo(1);
                assertThat(b.counters().total(Metric.SESSIONS_HANDED_IN)).isEqualTo(1);
                // etcd learns the move, so c sends to b directly, and a kick from anywhere ends it there.
                assertThat(c.kick(id, "done")).isTrue();
                await("kicked", () -> client.closeFuture().isDone());
                assertThat(a.push(id, "t", ByteString.EMPTY)).isEqualTo(PushResult.UNKNOWN);
            }
        }
    }
}
