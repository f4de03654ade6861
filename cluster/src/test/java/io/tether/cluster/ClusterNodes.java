package io.tether.cluster;

import io.tether.engine.config.ConfigBinder;
import io.tether.engine.config.TetherConfig;
import io.tether.engine.server.TetherServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Cluster nodes in this JVM for a test, each a server with its own cluster part, all on one real etcd. */
final class ClusterNodes implements AutoCloseable {
    final List<TetherServer> servers = new ArrayList<>();
    private final String etcd;
    private final String name;

    ClusterNodes(String etcdEndpoint, String clusterName) {
        this.etcd = etcdEndpoint;
        this.name = clusterName;
    }

    static TetherConfig config(String etcd, String cluster, String node, String... pairs) {
        final Map<String, List<String>> values = new HashMap<>();
        values.put("listen", List.of("tcp://127.0.0.1:0"));
        values.put("cluster-listen", List.of("tcp://127.0.0.1:0"));
        values.put("io-threads", List.of("1"));
        values.put("stat-file", List.of("off"));
        values.put("etcd", List.of(etcd));
        values.put("cluster-name", List.of(cluster));
        values.put("node-name", List.of(node));
        values.put("drain-timeout", List.of("3s"));
        values.put("shutdown-grace", List.of("1s"));
        for (int i = 0; i < pairs.length; i += 2) {
            values.put(pairs[i], List.of(pairs[i + 1]));
        }
        return ConfigBinder.bind(values);
    }

    /** Starts a node and waits until every node sees every other. */
    TetherServer start(String node, String... pairs) {
        final TetherConfig config = config(etcd, name, node, pairs);
        final TetherServer server = TetherServer.builder().config(config).cluster(TetherCluster.of(config)).start();
        servers.add(server);
        return server;
    }

    String etcd() {
        return etcd;
    }

    String name() {
        return name;
    }

    static String url(TetherServer server) {
        return "tcp://127.0.0.1:" + server.boundAddresses().get(0).getPort();
    }

    @Override
    public void close() {
        for (TetherServer s : servers) {
            s.shutdown(java.time.Duration.ofMillis(200));
        }
    }
}
