package io.tether.cli;

import static io.tether.engine.TestServers.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tether.cluster.EtcdProcess;
import io.tether.codec.proto.Push;
import io.tether.codec.proto.Response;
import io.tether.engine.client.TetherClient;
import io.tether.session.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Cluster nodes as separate {@code tether serve} processes on a real etcd: rolling restarts and kill -9. */
class ClusterProcessesTest {
    private static final int SESSIONS = 1000;

    /** What each session received: payloads in arrival order. */
    private final Map<Integer, List<Integer>> received = new ConcurrentHashMap<>();

    private TetherClient client(int i, List<String> urls) throws Exception {
        final List<Integer> got = Collections.synchronizedList(new ArrayList<>());
        received.put(i, got);
        final List<String> rotated = new ArrayList<>(urls);
        Collections.rotate(rotated, -(i % urls.size()));
        return TetherClient.builder().clientId("r" + i).timeout(Duration.ofSeconds(5))
            .backoff(Duration.ofMillis(50), Duration.ofSeconds(1), Backoff.UNLIMITED)
            .onPush((Push p) -> got.add(Integer.parseInt(p.getPayload().toStringUtf8()))).connect(rotated);
    }

    @Test
    void shouldLoseNothingWhenEveryNodeIsRestartedInTurnUnderPushes() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start();
             NodeProcess n1 = new NodeProcess(etcd.endpoint(), "roll", "n1", "--drain-timeout", "30s");
             NodeProcess n2 = new NodeProcess(etcd.endpoint(), "roll", "n2", "--drain-timeout", "30s");
             NodeProcess n3 = new NodeProcess(etcd.endpoint(), "roll", "n3", "--drain-timeout", "30s")) {
            final List<NodeProcess> nodes = List.of(n1.start(), n2.start(), n3.start());
            final List<String> urls = nodes.stream().map(NodeProcess::url).toList();
            final List<TetherClient> clients = new ArrayList<>();
            final AtomicLong failures = new AtomicLong();
            final List<String> why = new java.util.concurrent.CopyOnWriteArrayList<>();
            final AtomicInteger rounds = new AtomicInteger();
            final AtomicBoolean stop = new AtomicBoolean();
            try {
                for (int i = 0; i < SESSIONS; i++) {
                    clients.add(client(i, urls));
                }
                final List<String> ids = clients.stream().map(TetherClient::sessionId).toList();
                final TetherClient pusher = TetherClient.builder().clientId("pusher").timeout(Duration.ofSeconds(5))
                    .backoff(Duration.ofMillis(50), Duration.ofSeconds(1), Backoff.UNLIMITED).connect(urls);
                final Thread pushing = Thread.ofVirtual().start(() -> {
                    // A round pushes its number to every session; the next starts when every push of it is answered,
                    // so each session sees the rounds in order.
                    while (!stop.get()) {
                        final int round = rounds.get();
                        // At most 48 in flight: fewer than session-response-window (64), so a request re-sent after
                        // the pusher's own session moved is answered from the window, never run twice.
                        final java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(48);
                        final List<CompletableFuture<Response>> sent = new ArrayList<>(SESSIONS);
                        for (String id : ids) {
                            window.acquireUninterruptibly();
                            sent.add(pusher.request("send", ByteString.copyFromUtf8(Integer.toString(round)),
                                Map.of("to", id)).whenComplete((r, e) -> window.release()));
                        }
                        for (CompletableFuture<Response> f : sent) {
                            try {
                                final Response r = f.get(60, TimeUnit.SECONDS);
                                if (r.getStatus() != 0) {
                                    failures.incrementAndGet();
                                    why.add("round " + round + ": status " + r.getStatus() + " " + r.getError());
                                }
                            } catch (Exception e) {
                                failures.incrementAndGet();
                                why.add("round " + round + ": " + e);
                            }
                        }
                        rounds.incrementAndGet();
                    }
                });
                await("pushes flowing", () -> rounds.get() >= 2, 60);
                for (NodeProcess node : nodes) {
                    final int before = rounds.get();
                    if (node == n2) {
                        // Through the admin endpoint, as an operator would: tether drain waits until it has stopped.
                        final java.io.StringWriter out = new java.io.StringWriter();
                        final picocli.CommandLine cli = new picocli.CommandLine(new Main());
                        cli.setOut(new java.io.PrintWriter(out));
                        assertThat(cli.execute("drain", "--admin", "http://127.0.0.1:" + node.adminPort)).isZero();
                        assertThat(out.toString()).contains("draining").contains("has stopped");
                        assertThat(node.awaitExit()).isZero();
                    } else {
                        assertThat(node.stop()).as("exit code after the drain of " + node.url()).isZero();
                    }
                    assertThat(node.output()).as(node.log())
                        .anyMatch(l -> l.contains("draining for at most"));
                    // Only tether's own lines in its log (no gRPC INFO), and a normal stop's directory writes end quietly.
                    assertThat(node.log()).doesNotContain("TcpMetrics").doesNotContain("cluster.directory.write.failed");
                    node.start();
                    await("pushes after restarting " + node.url(), () -> rounds.get() >= before + 2, 120);
                }
                stop.set(true);
                pushing.join();
                final int total = rounds.get();
                assertThat(failures.get()).as("pushes not delivered: %s", why).isZero();
                for (int i = 0; i < SESSIONS; i++) {
                    final List<Integer> got = received.get(i);
                    final int session = i;
                    await("every round at session " + i, () -> got.size() >= total, 30);
                    synchronized (got) {
                        assertThat(got).as("session %d: every round once, in order", session)
                            .containsExactlyElementsOf(java.util.stream.IntStream.range(0, total).boxed().toList());
                    }
                }
                for (TetherClient c : clients) {
                    assertThat(c.sessionId()).isIn(ids); // every session was resumed, none started anew
                }
                pusher.close();
            } finally {
                stop.set(true);
                clients.forEach(TetherClient::close);
            }
        }
    }

    @Test
    void shouldGiveTheClientsOfAKilledNodeNewSessionsOnTheSurvivorsAndAnswerItsSessionsUnknown() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start();
             NodeProcess n1 = new NodeProcess(etcd.endpoint(), "kill", "n1", "--cluster-lease-ttl", "3s");
             NodeProcess n2 = new NodeProcess(etcd.endpoint(), "kill", "n2", "--cluster-lease-ttl", "3s");
             NodeProcess n3 = new NodeProcess(etcd.endpoint(), "kill", "n3", "--cluster-lease-ttl", "3s")) {
            final List<NodeProcess> nodes = List.of(n1.start(), n2.start(), n3.start());
            final List<String> urls = nodes.stream().map(NodeProcess::url).toList();
            final List<TetherClient> clients = new ArrayList<>();
            final List<TetherClient> onKilled = new ArrayList<>();
            try {
                for (int i = 0; i < 30; i++) {
                    final TetherClient c = client(i, urls);
                    clients.add(c);
                    if (c.endpoint().equals(n1.url())) {
                        onKilled.add(c);
                    }
                }
                assertThat(onKilled).hasSize(10);
                final List<String> deadIds = onKilled.stream().map(TetherClient::sessionId).toList();
                final long killedAt = System.nanoTime();
                n1.kill();
                for (TetherClient c : onKilled) {
                    await("a new session on a survivor", () -> c.isOpen() && !deadIds.contains(c.sessionId()), 30);
                    assertThat(c.welcome().getResumed()).isFalse();
                    assertThat(c.endpoint()).isNotEqualTo(n1.url());
                }
                final long movedMs = (System.nanoTime() - killedAt) / 1_000_000;
                assertThat(movedMs).as("within the lease TTL and the clients' backoff").isLessThan(3000 + 2000);
                try (TetherClient pusher = TetherClient.builder().clientId("p").connect(n2.url())) {
                    for (String dead : deadIds) {
                        final Response r = pusher.request("send", ByteString.copyFromUtf8("x"), Map.of("to", dead))
                            .get(10, TimeUnit.SECONDS);
                        assertThat(r.getError()).isEqualTo("unknown session");
                    }
                    final TetherClient alive = clients.stream().filter(c -> !onKilled.contains(c)).findFirst()
                        .orElseThrow();
                    assertThat(pusher.request("send", ByteString.copyFromUtf8("7"), Map.of("to", alive.sessionId()))
                        .get(10, TimeUnit.SECONDS).getStatus()).isZero();
                }
                // Its lease expires: the survivors forget it.
                await("n1 gone from the cluster", () -> clusterStatus(etcd).contains("2 nodes"), 20);
            } finally {
                clients.forEach(TetherClient::close);
            }
        }
    }

    private static String clusterStatus(EtcdProcess etcd) {
        final java.io.StringWriter out = new java.io.StringWriter();
        final picocli.CommandLine cli = new picocli.CommandLine(new Main());
        cli.setOut(new java.io.PrintWriter(out));
        cli.execute("cluster", "status", "--etcd", etcd.endpoint(), "--cluster-name", "kill");
        return out.toString();
    }
}
