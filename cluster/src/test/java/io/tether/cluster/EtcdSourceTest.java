package io.tether.cluster;

import static io.tether.engine.TestServers.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.tether.engine.config.ConfigBinder;
import io.tether.engine.config.ConfigFileWatcher;
import io.tether.engine.config.ConfigSource;
import io.tether.engine.config.LiveConfig;
import io.tether.engine.config.TetherConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The etcd source against a real etcd, started for each test. */
class EtcdSourceTest {
    static final String PREFIX = "/tether/test/";

    @TempDir
    Path dir;
    EtcdProcess etcd;
    Client client;

    @BeforeEach
    void startEtcd() throws Exception {
        etcd = EtcdProcess.start();
        client = Client.builder().endpoints(etcd.backdoor()).build();
    }

    @AfterEach
    void stopEtcd() {
        client.close();
        etcd.close();
    }

    Map<String, List<String>> flags(String... pairs) {
        final Map<String, List<String>> f = new HashMap<>();
        f.put("listen", List.of("tcp://127.0.0.1:0"));
        f.put("etcd", List.of(etcd.endpoint()));
        f.put("etcd-prefix", List.of(PREFIX));
        f.put("node-name", List.of("n1"));
        f.put("etcd-last-good", List.of(dir.resolve("last-good.properties").toString()));
        f.put("etcd-timeout", List.of("2s"));
        for (int i = 0; i < pairs.length; i += 2) {
            f.put(pairs[i], List.of(pairs[i + 1]));
        }
        return f;
    }

    static EtcdSource connect(Map<String, List<String>> flags) {
        return EtcdSource.connect(ConfigBinder.bind(flags));
    }

    void put(String name, String value) throws Exception {
        client.getKVClient().put(bytes(PREFIX + name), bytes(value)).get();
    }

    String status() throws Exception {
        final List<KeyValue> kvs = client.getKVClient().get(bytes(PREFIX + "status/n1")).get().getKvs();
        return kvs.isEmpty() ? "" : kvs.get(0).getValue().toString(StandardCharsets.UTF_8);
    }

    String statusOrEmpty() {
        try {
            return status();
        } catch (Exception e) {
            return "";
        }
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    @Test
    void shouldReadThePrefixThenFollowItsChanges() throws Exception {
        put("heartbeat-interval", "7s");
        try (EtcdSource source = connect(flags())) {
            final LiveConfig live = source.startLive(Map.of(ConfigSource.FLAG, flags()));
            assertThat(source.startupNote()).contains("at revision");
            assertThat(live.current().heartbeatInterval()).isEqualTo(Duration.ofSeconds(7));
            assertThat(live.snapshot().sourceOf("heartbeat-interval")).isEqualTo(ConfigSource.ETCD);
            put("heartbeat-interval", "3s");
            await("the put in force", () -> live.current().heartbeatInterval().toSeconds() == 3);
            client.getKVClient().delete(bytes(PREFIX + "heartbeat-interval")).get();
            await("the delete in force: the default", () -> live.current().heartbeatInterval().toSeconds() == 30);
            await("the status says which revision is applied", () -> statusOrEmpty().contains("\"error\":\"\""));
        }
    }

    @Test
    void shouldRefuseAnInvalidChangeKeepTheOldConfigAndWriteTheStatusKey() throws Exception {
        put("heartbeat-interval", "7s");
        try (EtcdSource source = connect(flags())) {
            final LiveConfig live = source.startLive(Map.of(ConfigSource.FLAG, flags()));
            await("the first status", () -> statusOrEmpty().contains("applied_revision"));
            final String applied = status().replaceAll(".*\"applied_revision\":(\\d+).*", "$1");
            put("write-low-watermark", "1MiB");
            put("heartbeat-intervl", "1s");
            await("the refusal in the status key", () -> statusOrEmpty().contains("heartbeat-intervl"));
            final String status = status();
            assertThat(status).contains("\"node\":\"n1\"")
                .contains("unknown setting 'heartbeat-intervl' (the closest is 'heartbeat-interval')")
                .contains("write-low-watermark (1048576) must not exceed write-high-watermark (262144)")
                .contains("\"applied_revision\":" + applied + ",");
            assertThat(live.current().heartbeatInterval()).isEqualTo(Duration.ofSeconds(7));
            assertThat(live.current().writeLowWatermark()).isEqualTo(64 * 1024);
            // A setting that needs a restart is refused as such, not ignored.
            client.getKVClient().delete(bytes(PREFIX + "heartbeat-intervl")).get();
            client.getKVClient().delete(bytes(PREFIX + "write-low-watermark")).get();
            put("io-threads", "7");
            await("the restart refusal", () -> statusOrEmpty().contains("io-threads: needs a restart"));
        }
    }

    @Test
    void shouldPickUpAChangeMadeWhileEtcdWasAwayAfterItComesBack() throws Exception {
        put("heartbeat-misses", "3");
        try (EtcdSource source = connect(flags("etcd-watchdog", "3s"))) {
            final LiveConfig live = source.startLive(Map.of(ConfigSource.FLAG, flags("etcd-watchdog", "3s")));
            assertThat(live.current().heartbeatMisses()).isEqualTo(3);
            etcd.restartBackdoorOnly(); // etcd stopped: for the server it stays down
            client.close();
            client = Client.builder().endpoints(etcd.backdoor()).build();
            put("heartbeat-misses", "5"); // the change in between
            // The broken watch is noticed by gRPC's keep-alive or, at the latest, by the watchdog (3 s here), whose
            // read of the prefix then fails within etcd-timeout (2 s).
            await("a retry counted", () -> retries(live) > 0, 30);
            assertThat(live.current().heartbeatMisses()).isEqualTo(3); // still serving on the current config
            etcd.restart();
            client.close();
            client = Client.builder().endpoints(etcd.backdoor()).build();
            await("the change picked up after the restart", () -> live.current().heartbeatMisses() == 5, 30);
        }
    }

    @Test
    void shouldReadThePrefixAgainWhenEtcdCompactedPastTheWatchedRevision() throws Exception {
        put("heartbeat-misses", "3");
        try (EtcdSource source = connect(flags())) {
            final LiveConfig live = source.startLive(Map.of(ConfigSource.FLAG, flags()));
            etcd.restartBackdoorOnly();
            client.close();
            client = Client.builder().endpoints(etcd.backdoor()).build();
            put("heartbeat-misses", "4");
            put("resume-window", "1m");
            put("heartbeat-misses", "6");
            final long latest = client.getKVClient().get(bytes(PREFIX)).get().getHeader().getRevision();
            client.getKVClient().compact(latest).get(); // the revisions the watch would resume from are gone
            etcd.restart();
            client.close();
            client = Client.builder().endpoints(etcd.backdoor()).build();
            await("the state after the compaction in force", () -> live.current().heartbeatMisses() == 6
                && live.current().resumeWindow().toMinutes() == 1, 30);
            await("a resync counted", () -> resyncs(live) > 0);
        }
    }

    @Test
    void shouldStartFromTheLastGoodConfigOnDiskWhenEtcdIsDown() throws Exception {
        put("heartbeat-interval", "7s");
        put("resume-window", "3m");
        try (EtcdSource source = connect(flags())) {
            source.startLive(Map.of(ConfigSource.FLAG, flags()));
            await("the last good settings kept", () -> Files.exists(dir.resolve("last-good.properties")));
        }
        etcd.stop();
        try (EtcdSource source = connect(flags())) {
            final LiveConfig live = source.startLive(Map.of(ConfigSource.FLAG, flags()));
            assertThat(source.startupNote()).startsWith("etcd unreachable at startup")
                .contains("starting from the last good settings in " + dir.resolve("last-good.properties"));
            assertThat(live.current().heartbeatInterval()).isEqualTo(Duration.ofSeconds(7));
            assertThat(live.current().resumeWindow()).isEqualTo(Duration.ofMinutes(3));
            assertThat(live.snapshot().sourceOf("resume-window")).isEqualTo(ConfigSource.ETCD);
        }
        Files.delete(dir.resolve("last-good.properties"));
        try (EtcdSource source = connect(flags())) {
            final LiveConfig live = source.startLive(Map.of(ConfigSource.FLAG, flags()));
            assertThat(source.startupNote()).contains("no last good settings kept")
                .contains("starting from flags and the config file alone");
            assertThat(live.current().heartbeatInterval()).isEqualTo(Duration.ofSeconds(30));
        }
    }

    @Test
    void shouldResolveTheFileAndEtcdChangingTheSameSettingByPrecedence() throws Exception {
        final Path file = dir.resolve("tether.properties");
        Files.writeString(file, "heartbeat-interval = 5s\n");
        put("heartbeat-interval", "7s");
        try (EtcdSource source = connect(flags())) {
            final LiveConfig live = source.startLive(Map.of(ConfigSource.FLAG, flags(),
                ConfigSource.FILE, ConfigFileWatcher.readAtStart(file)));
            try (ConfigFileWatcher watcher = ConfigFileWatcher.start(file, live, Duration.ofMillis(100))) {
                assertThat(live.current().heartbeatInterval()).isEqualTo(Duration.ofSeconds(5)); // the file wins
                put("heartbeat-interval", "8s");
                put("heartbeat-misses", "4"); // in etcd only: in force
                await("etcd's other change in force", () -> live.current().heartbeatMisses() == 4);
                assertThat(live.current().heartbeatInterval()).isEqualTo(Duration.ofSeconds(5));
                assertThat(live.snapshot().layers().get(ConfigSource.ETCD)).containsEntry("heartbeat-interval",
                    List.of("8s"));
                Files.writeString(file.resolveSibling("t.tmp"), "heartbeat-interval = 6s\n");
                Files.move(file.resolveSibling("t.tmp"), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                await("the file's change in force", () -> live.current().heartbeatInterval().toSeconds() == 6);
                Files.writeString(file.resolveSibling("t.tmp"), "# nothing\n");
                Files.move(file.resolveSibling("t.tmp"), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                await("etcd's value once the file no longer sets it",
                    () -> live.current().heartbeatInterval().toSeconds() == 8);
                assertThat(live.snapshot().sourceOf("heartbeat-interval")).isEqualTo(ConfigSource.ETCD);
            }
        }
    }

    static long retries(LiveConfig live) {
        return counted(live, io.tether.telemetry.Metric.ETCD_RETRIES);
    }

    static long resyncs(LiveConfig live) {
        return counted(live, io.tether.telemetry.Metric.ETCD_RESYNCS);
    }

    private static long counted(LiveConfig live, io.tether.telemetry.Metric metric) {
        return live.counted(metric);
    }

    static TetherConfig bind(Map<String, List<String>> values) {
        return ConfigBinder.bind(values);
    }
}
