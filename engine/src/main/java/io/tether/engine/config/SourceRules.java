package io.tether.engine.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which settings a source may hold. The settings that say where the config comes from are read before those
 * sources are: {@code config} (the file's own name) only as a flag, and the etcd client's settings and
 * {@code node-name} as a flag or in the file, never in etcd itself.
 */
final class SourceRules {
    private SourceRules() {
    }

    static boolean onlyBeforeEtcd(String name) {
        return name.equals("config") || name.equals("node-name") || name.equals("etcd") || name.startsWith("etcd-");
    }

    static List<String> problems(ConfigSource source, Map<String, List<String>> layer) {
        final List<String> problems = new ArrayList<>();
        for (String name : layer.keySet()) {
            if (source == ConfigSource.FILE && name.equals("config")) {
                problems.add("config: names the config file, so only a flag can set it");
            } else if (source == ConfigSource.ETCD && onlyBeforeEtcd(name)) {
                problems.add(name + ": says how to reach etcd, so it is set as a flag or in the config file, not in "
                    + "etcd");
            }
        }
        return problems;
    }
}
