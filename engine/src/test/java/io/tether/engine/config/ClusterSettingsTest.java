package io.tether.engine.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterSettingsTest {
    private static List<String> problems(String... pairs) {
        final Map<String, List<String>> values = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            values.put(pairs[i], List.of(pairs[i + 1]));
        }
        final ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigBinder.bind(values));
        return e == null ? List.of() : e.problems();
    }

    @Test
    void shouldAcceptAClusterWithEtcdAndNameEverySettingThatIsWrong() {
        assertThat(problems("cluster-name", "prod", "etcd", "http://127.0.0.1:2379")).isEmpty();
        assertThat(problems("cluster-name", "prod")).singleElement().asString()
            .startsWith("cluster-name is given but etcd is not");
        assertThat(problems("cluster-name", "a b", "etcd", "http://127.0.0.1:2379")).singleElement().asString()
            .startsWith("cluster-name:");
        assertThat(problems("cluster-name", "p", "etcd", "http://127.0.0.1:2379", "cluster-lease-ttl", "1500ms"))
            .singleElement().asString().startsWith("cluster-lease-ttl: whole seconds, at least 2s");
        assertThat(problems("cluster-name", "p", "etcd", "http://127.0.0.1:2379", "cluster-listen", "ws://h:1/x"))
            .singleElement().asString().startsWith("cluster-listen: tcp:// or tls://");
        assertThat(problems("cluster-name", "p", "etcd", "http://127.0.0.1:2379", "cluster-listen", "tls://h:1"))
            .singleElement().asString().contains("needs tls-cert, tls-key and tls-ca");
        assertThat(problems("cluster-name", "p", "etcd", "http://127.0.0.1:2379", "client-advertise", "nope"))
            .singleElement().asString().startsWith("client-advertise:");
        assertThat(problems("cluster-name", "p", "etcd", "http://127.0.0.1:2379", "cluster-link-queue", "0"))
            .singleElement().asString().startsWith("cluster-link-queue:");
    }
}
