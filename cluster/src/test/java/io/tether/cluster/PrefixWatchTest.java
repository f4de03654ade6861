package io.tether.cluster;

import static io.tether.engine.TestServers.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The cluster's watch of its prefix follows every change, and a watch that goes silent is replaced. */
class PrefixWatchTest {
    private static final String PREFIX = "/tether-cluster/watch-test/";

    @Test
    void shouldReadThePrefixAgainWhenTheWatchGoesSilent() throws Exception {
        final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
        try (EtcdProcess etcd = EtcdProcess.start();
             Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
            client.getKVClient().put(ClusterKeys.bytes(PREFIX + "a"), ClusterKeys.bytes("1")).get();
            final Map<String, String> seen = new ConcurrentHashMap<>();
            final AtomicInteger reloads = new AtomicInteger();
            final PrefixWatch watch = new PrefixWatch(client, PREFIX, new PrefixWatch.Listener() {
                @Override
                public void put(String key, String value) {
                    seen.put(key, value);
                }

                @Override
                public void deleted(String key) {
                    seen.remove(key);
                }

                @Override
                public void reloaded(Map<String, String> all) {
                    reloads.incrementAndGet();
                    seen.clear();
                    seen.putAll(all);
                }
            }, thread, Duration.ofSeconds(2), Duration.ofSeconds(1));
            try {
                watch.start();
                assertThat(seen).containsEntry(PREFIX + "a", "1");
                client.getKVClient().put(ClusterKeys.bytes(PREFIX + "b"), ClusterKeys.bytes("2")).get();
                await("b through the watch", () -> "2".equals(seen.get(PREFIX + "b")));
                assertThat(reloads).hasValue(1);

                watch.loseWatchSilently(); // nothing it would deliver arrives any more
                client.getKVClient().put(ClusterKeys.bytes(PREFIX + "c"), ClusterKeys.bytes("3")).get();
                client.getKVClient().delete(ClusterKeys.bytes(PREFIX + "a")).get();
                await("c and a's deletion, read again by the watchdog", () -> "3".equals(seen.get(PREFIX + "c"))
                    && !seen.containsKey(PREFIX + "a"), 15);
                assertThat(reloads.get()).isGreaterThanOrEqualTo(2);
                // And the new watch delivers again.
                client.getKVClient().put(ClusterKeys.bytes(PREFIX + "d"), ClusterKeys.bytes("4")).get();
                await("d through the new watch", () -> "4".equals(seen.get(PREFIX + "d")));
            } finally {
                watch.close();
            }
        } finally {
            thread.shutdownNow();
        }
    }
}
