package io.tether.cluster;

import static io.tether.engine.TestServers.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.tether.engine.TestServers;
import io.tether.engine.client.TetherClient;
import io.tether.engine.config.ConfigBinder;
import io.tether.engine.config.ConfigSource;
import io.tether.engine.config.LiveConfig;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Metric;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A server following etcd, changed under traffic. */
class EtcdLiveServerTest {
    @TempDir
    Path dir;

    @Test
    void shouldPutAChangeFromEtcdInForceOnARunningServerUnderTraffic() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start();
             Client client = Client.builder().endpoints(etcd.backdoor()).build()) {
            final Map<String, List<String>> flags = new HashMap<>();
            flags.put("listen", List.of("tcp://127.0.0.1:0"));
            flags.put("io-threads", List.of("2"));
            flags.put("stat-file", List.of("off"));
            flags.put("etcd", List.of(etcd.endpoint()));
            flags.put("etcd-prefix", List.of("/tether/live/"));
            flags.put("node-name", List.of("n1"));
            flags.put("etcd-last-good", List.of(dir.resolve("last-good.properties").toString()));
            try (EtcdSource source = EtcdSource.connect(ConfigBinder.bind(flags))) {
                final LiveConfig live = source.startLive(Map.of(ConfigSource.FLAG, flags));
                final TetherServer server = TetherServer.builder().liveConfig(live).start();
                try (TetherClient busy = TetherClient.builder().clientId("busy").connect(TestServers.address(server))) {
                    assertThat(busy.welcome().getHeartbeatMs()).isEqualTo(30_000);
                    final AtomicLong echoes = new AtomicLong();
                    final AtomicReference<Throwable> failure = new AtomicReference<>();
                    final Thread traffic = Thread.ofVirtual().start(() -> {
                        try {
                            while (!Thread.currentThread().isInterrupted()) {
                                busy.request("echo", ByteString.copyFromUtf8("x")).get(10, TimeUnit.SECONDS);
                                echoes.incrementAndGet();
                            }
                        } catch (InterruptedException e) {
                            // stopped
                        } catch (Throwable t) {
                            failure.set(t);
                        }
                    });
                    await("traffic", () -> echoes.get() > 100);
                    client.getKVClient().put(ByteSequence.from("/tether/live/heartbeat-interval", StandardCharsets.UTF_8),
                        ByteSequence.from("700ms", StandardCharsets.UTF_8)).get();
                    await("the server on the new interval", () -> server.config().heartbeatInterval().toMillis() == 700);
                    try (TetherClient next = TetherClient.builder().clientId("next")
                        .connect(TestServers.address(server))) {
                        assertThat(next.welcome().getHeartbeatMs()).isEqualTo(700);
                    }
                    final long before = echoes.get();
                    await("traffic after the change", () -> echoes.get() > before + 100 || failure.get() != null);
                    traffic.interrupt();
                    traffic.join();
                    assertThat(failure.get()).isNull();
                    assertThat(server.counters().total(Metric.CONFIG_APPLIED)).isEqualTo(1);
                } finally {
                    server.close();
                }
            }
        }
    }
}
