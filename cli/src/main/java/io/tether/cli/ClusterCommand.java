package io.tether.cli;

import io.tether.cluster.TetherCluster;
import io.tether.engine.config.ConfigBinder;
import io.tether.engine.config.ConfigException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tether cluster status}: the nodes of a cluster, their sessions and their links, as etcd has them. */
@Command(name = "cluster", mixinStandardHelpOptions = true, description = "A tether cluster on etcd.",
    subcommands = ClusterCommand.Status.class)
final class ClusterCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Prints the nodes of a cluster (number, name, sessions, client and link addresses, the nodes "
            + "each has links to) and how many sessions moved off their home node, read from etcd.",
            "Exit codes: 0 printed, 1 etcd could not be read, 2 bad options."})
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--etcd", required = true, description = "etcd endpoints, http://HOST:PORT[,…].")
        String etcd;
        @Option(names = "--cluster-name", required = true, description = "The cluster's name.")
        String clusterName;
        @Option(names = "--etcd-ca", description = "PEM CA bundle for https:// endpoints.")
        String etcdCa;
        @Option(names = "--etcd-cert", description = "PEM client certificate (mutual TLS), with --etcd-key.")
        String etcdCert;
        @Option(names = "--etcd-key", description = "PEM private key of --etcd-cert.")
        String etcdKey;
        @Option(names = "--etcd-user", description = "etcd user, with --etcd-password-file.")
        String etcdUser;
        @Option(names = "--etcd-password-file", description = "File holding the etcd user's password.")
        String etcdPasswordFile;

        @Override
        public Integer call() {
            final Map<String, List<String>> values = new HashMap<>();
            values.put("etcd", List.of(etcd));
            values.put("cluster-name", List.of(clusterName));
            put(values, "etcd-ca", etcdCa);
            put(values, "etcd-cert", etcdCert);
            put(values, "etcd-key", etcdKey);
            put(values, "etcd-user", etcdUser);
            put(values, "etcd-password-file", etcdPasswordFile);
            try {
                spec.commandLine().getOut().print(TetherCluster.readStatus(ConfigBinder.bind(values)));
                spec.commandLine().getOut().flush();
                return 0;
            } catch (ConfigException e) {
                e.problems().forEach(p -> spec.commandLine().getErr().println("tether cluster status: --" + p));
                return 2;
            } catch (IllegalStateException e) {
                spec.commandLine().getErr().println("tether cluster status: " + e.getMessage());
                return 1;
            }
        }

        private static void put(Map<String, List<String>> values, String name, String value) {
            if (value != null) {
                values.put(name, List.of(value));
            }
        }
    }
}
