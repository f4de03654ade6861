package io.tether.cluster;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.Client;
import io.tether.codec.proto.Push;
import io.tether.engine.client.TetherClient;
import io.tether.engine.config.ConfigBinder;
import io.tether.engine.config.TetherConfig;
import io.tether.engine.server.PushResult;
import io.tether.engine.server.TetherServer;
import io.tether.session.Backoff;
import io.tether.telemetry.Metric;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * What clustering costs (scripts/measure-cluster), on a real etcd and nodes in this JVM:
 * <ol>
 *   <li>heap per idle session on a node with clustering off and on, the same run (sessions held by a second JVM);</li>
 *   <li>etcd writes (revisions) per 1,000 session connects to a cluster node;</li>
 *   <li>push latency, from the push call to the client's receipt, to sessions on the pushing node and on another
 *       node, interleaved in one run at a fixed rate;</li>
 *   <li>hand-over time during a drain: a node holding N sessions drains into two others (clients that know every
 *       node), the drain's duration per session, and every session resumed.</li>
 * </ol>
 */
public final class ClusterMeasurement {
    private ClusterMeasurement() {
    }

    public static void main(String[] args) throws Exception {
        final int idle = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        final int pushRate = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        final int drained = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        try (EtcdProcess etcd = EtcdProcess.start();
             Client backdoor = Client.builder().endpoints(etcd.backdoor()).build()) {
            heapPerSession(null, idle);
            heapPerSession(etcd.endpoint(), idle);
            writesPerConnects(etcd.endpoint(), backdoor);
            pushLatency(etcd.endpoint(), pushRate);
            drain(etcd.endpoint(), drained);
        }
        System.exit(0);
    }

    static TetherConfig config(String etcd, String cluster, String node, String... pairs) {
        final Map<String, List<String>> values = new HashMap<>();
        values.put("listen", List.of("tcp://127.0.0.1:0"));
        values.put("stat-file", List.of("off"));
        values.put("stats-interval", List.of("0"));
        values.put("node-name", List.of(node));
        if (etcd != null) {
            values.put("etcd", List.of(etcd));
            values.put("cluster-name", List.of(cluster));
            values.put("cluster-listen", List.of("tcp://127.0.0.1:0"));
        }
        for (int i = 0; i < pairs.length; i += 2) {
            values.put(pairs[i], List.of(pairs[i + 1]));
        }
        return ConfigBinder.bind(values);
    }

    static TetherServer start(TetherConfig config) {
        final var b = TetherServer.builder().config(config);
        if (!config.clusterName().isEmpty()) {
            b.cluster(TetherCluster.of(config));
        }
        return b.start();
    }

    private static void heapPerSession(String etcd, int sessions) throws Exception {
        final TetherServer server = start(config(etcd, "heap", "h", "heartbeat-interval", "30s"));
        final long before = settledHeap();
        final Process clients = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
            IdleClients.class.getName(), "tcp://127.0.0.1:" + server.boundAddresses().get(0).getPort(),
            Integer.toString(sessions)).redirectError(ProcessBuilder.Redirect.INHERIT)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        waitFor(() -> server.sessionCount() >= sessions || !clients.isAlive(), 300);
        final long after = settledHeap();
        System.out.printf("heap per idle session, clustering %-3s: %.0f B (%d sessions)%n", etcd == null ? "off" : "on",
            (after - before) / (double) sessions, server.sessionCount());
        clients.destroy();
        clients.waitFor();
        server.shutdown(Duration.ofMillis(500));
    }

    private static void writesPerConnects(String etcd, Client backdoor) throws Exception {
        final TetherServer server = start(config(etcd, "writes", "w"));
        final long revision = revision(backdoor);
        final long writes = server.counters().total(Metric.CLUSTER_DIRECTORY_WRITES);
        final long start = System.nanoTime();
        final List<TetherClient> clients = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            clients.add(TetherClient.builder().clientId("w" + i).connect(server.boundAddresses().get(0)));
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("1,000 connects in %.1f s: etcd revisions +%d, directory transactions +%d%n", seconds,
            revision(backdoor) - revision, server.counters().total(Metric.CLUSTER_DIRECTORY_WRITES) - writes);
        clients.forEach(TetherClient::close);
        server.shutdown(Duration.ofMillis(500));
    }

    private static long revision(Client etcd) throws Exception {
        return etcd.getKVClient().get(ClusterKeys.bytes("/")).get(5, TimeUnit.SECONDS).getHeader().getRevision();
    }

    private static void pushLatency(String etcd, int rate) throws Exception {
        final TetherServer a = start(config(etcd, "latency", "a", "io-threads", "1"));
        final TetherServer b = start(config(etcd, "latency", "b", "io-threads", "1"));
        final Histogram local = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        final Histogram remote = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        final List<TetherClient> clients = new ArrayList<>();
        final List<String> onA = new ArrayList<>();
        final List<String> onB = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            final boolean here = i % 2 == 0;
            final Histogram into = here ? local : remote;
            final TetherClient c = TetherClient.builder().clientId("l" + i).onPush((Push p) -> {
                final long sent = p.getPayload().asReadOnlyByteBuffer().getLong();
                synchronized (into) {
                    into.recordValue(Math.max(0, System.nanoTime() - sent));
                }
            }).connect((here ? a : b).boundAddresses().get(0));
            clients.add(c);
            (here ? onA : onB).add(c.sessionId());
        }
        final long periodNs = 1_000_000_000L / rate;
        final long seconds = 10;
        long next = System.nanoTime();
        final long end = next + TimeUnit.SECONDS.toNanos(seconds + 2);
        final long measureFrom = next + TimeUnit.SECONDS.toNanos(2);
        int i = 0;
        long unknown = 0;
        while (next < end) {
            while (System.nanoTime() < next) {
                LockSupport.parkNanos(next - System.nanoTime());
            }
            if (next == measureFrom || (next > measureFrom && next - periodNs < measureFrom)) {
                synchronized (local) {
                    local.reset();
                }
                synchronized (remote) {
                    remote.reset();
                }
            }
            final List<String> ids = i % 2 == 0 ? onA : onB;
            final String id = ids.get((i / 2) % ids.size());
            // From the intended send time, so a slow push delays the ones after it in the figures too.
            final byte[] stamp = java.nio.ByteBuffer.allocate(8).putLong(next).array();
            if (a.push(id, "t", ByteString.copyFrom(stamp)) == PushResult.UNKNOWN) {
                unknown++;
            }
            i++;
            next += periodNs;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
        System.out.printf("push latency at %d/s from node a, %d s, from the intended send to the client's receipt "
            + "(%d unknown):%n", rate, seconds, unknown);
        print("  to a session on a (local)", local);
        print("  to a session on b (forwarded)", remote);
        clients.forEach(TetherClient::close);
        b.shutdown(Duration.ofMillis(500));
        a.shutdown(Duration.ofMillis(500));
    }

    private static void drain(String etcd, int sessions) throws Exception {
        final TetherServer a = start(config(etcd, "drain", "a", "drain-timeout", "120s"));
        final TetherServer b = start(config(etcd, "drain", "b"));
        final TetherServer c = start(config(etcd, "drain", "c"));
        final List<String> urls = List.of(url(a), url(b), url(c));
        final List<TetherClient> clients = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            clients.add(TetherClient.builder().clientId("d" + i).timeout(Duration.ofSeconds(10))
                .backoff(Duration.ofMillis(50), Duration.ofSeconds(1), Backoff.UNLIMITED).connect(urls));
        }
        final List<String> ids = clients.stream().map(TetherClient::sessionId).toList();
        final long writesBefore = b.counters().total(Metric.CLUSTER_DIRECTORY_WRITES)
            + c.counters().total(Metric.CLUSTER_DIRECTORY_WRITES);
        final long start = System.nanoTime();
        a.close(); // drains into b and c, then stops
        final double ms = (System.nanoTime() - start) / 1e6;
        waitFor(() -> clients.stream().allMatch(TetherClient::isOpen), 60);
        long resumed = 0;
        for (int i = 0; i < clients.size(); i++) {
            if (clients.get(i).sessionId().equals(ids.get(i)) && clients.get(i).welcome().getResumed()) {
                resumed++;
            }
        }
        System.out.printf("drain of %d sessions into 2 nodes: %.0f ms (%.2f ms per session), %d resumed, "
            + "handed in: b %d, c %d, directory transactions for the moves: %d%n", sessions, ms, ms / sessions,
            resumed, b.counters().total(Metric.SESSIONS_HANDED_IN), c.counters().total(Metric.SESSIONS_HANDED_IN),
            b.counters().total(Metric.CLUSTER_DIRECTORY_WRITES) + c.counters().total(Metric.CLUSTER_DIRECTORY_WRITES)
                - writesBefore);
        clients.forEach(TetherClient::close);
        c.shutdown(Duration.ofMillis(500));
        b.shutdown(Duration.ofMillis(500));
    }

    private static String url(TetherServer s) {
        return "tcp://127.0.0.1:" + s.boundAddresses().get(0).getPort();
    }

    private static void print(String what, Histogram h) {
        synchronized (h) {
            System.out.printf("%-34s %7d pushes  p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  max %.3f ms%n", what,
                h.getTotalCount(), h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                h.getValueAtPercentile(99.9) / 1e6, h.getMaxValue() / 1e6);
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier done, int seconds) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    private static long settledHeap() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** A second JVM holding N idle sessions (its clients answer the server's pings) until it is destroyed. */
    public static final class IdleClients {
        private IdleClients() {
        }

        public static void main(String[] args) throws Exception {
            final List<TetherClient> held = new ArrayList<>();
            for (int i = 0; i < Integer.parseInt(args[1]); i++) {
                held.add(TetherClient.builder().clientId("idle" + i).connect(args[0]));
            }
            Thread.sleep(Long.MAX_VALUE); // held until the measurement destroys this process
        }
    }
}
