package io.tether.engine.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LiveConfigTest {
    private static LiveConfig live(Map<String, List<String>> file) {
        return LiveConfig.start(Map.of(ConfigSource.FLAG, Map.of("listen", List.of("tcp://127.0.0.1:0")),
            ConfigSource.FILE, file));
    }

    @Test
    void shouldApplyAValidChangeAndSayWhichSettingsChanged() {
        final LiveConfig live = live(Map.of());
        final List<Duration> seen = new ArrayList<>();
        live.subscribe((previous, current) -> seen.add(current.heartbeatInterval()));
        final LiveConfig.Outcome outcome = live.update(ConfigSource.FILE, Map.of("heartbeat-interval", List.of("7s")));
        assertThat(outcome.applied()).isTrue();
        assertThat(outcome.changed()).containsExactly("heartbeat-interval");
        assertThat(live.current().heartbeatInterval()).isEqualTo(Duration.ofSeconds(7));
        assertThat(seen).containsExactly(Duration.ofSeconds(7));
        assertThat(live.snapshot().sourceOf("heartbeat-interval")).isEqualTo(ConfigSource.FILE);
        assertThat(live.snapshot().sourceOf("listen")).isEqualTo(ConfigSource.FLAG);
        assertThat(live.snapshot().sourceOf("heartbeat-misses")).isEqualTo(ConfigSource.DEFAULT);
    }

    @Test
    void shouldRefuseAnUnknownKeyNamingTheClosestValidOne() {
        final LiveConfig live = live(Map.of());
        final LiveConfig.Outcome outcome = live.update(ConfigSource.FILE,
            Map.of("heartbeat-intervall", List.of("7s")));
        assertThat(outcome.applied()).isFalse();
        assertThat(outcome.reasons()).containsExactly(
            "unknown setting 'heartbeat-intervall' (the closest is 'heartbeat-interval')");
        assertThat(live.current().heartbeatInterval()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void shouldRefuseAnInvalidCandidateWithEveryReasonAndKeepTheOldConfig() {
        final LiveConfig live = live(Map.of("heartbeat-interval", List.of("5s")));
        final List<List<String>> refusals = new ArrayList<>();
        live.subscribe(new LiveConfig.Listener() {
            @Override
            public void onApplied(TetherConfig previous, TetherConfig current) {
                throw new AssertionError("nothing may apply");
            }

            @Override
            public void onRefused(ConfigSource source, List<String> reasons) {
                refusals.add(reasons);
            }
        });
        final LiveConfig.Outcome outcome = live.update(ConfigSource.FILE, Map.of(
            "write-low-watermark", List.of("1MiB"), "heartbeat-misses", List.of("0"), "heartbeat-interval",
            List.of("9s")));
        assertThat(outcome.applied()).isFalse();
        assertThat(outcome.reasons()).containsExactlyInAnyOrder(
            "heartbeat-misses: must be 1 to 100, got 0",
            "write-low-watermark (1048576) must not exceed write-high-watermark (262144)");
        assertThat(refusals).containsExactly(outcome.reasons());
        assertThat(live.current().heartbeatInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(live.snapshot().layers().get(ConfigSource.FILE)).containsOnlyKeys("heartbeat-interval");
    }

    @Test
    void shouldRefuseAChangeToASettingThatNeedsARestart() {
        final LiveConfig live = live(Map.of("io-threads", List.of("2")));
        final LiveConfig.Outcome outcome = live.update(ConfigSource.FILE, Map.of("io-threads", List.of("4"),
            "heartbeat-interval", List.of("7s")));
        assertThat(outcome.reasons()).containsExactly("io-threads: needs a restart (running with 2, asked for 4)");
        assertThat(live.current().ioThreads()).isEqualTo(2);
        assertThat(live.current().heartbeatInterval()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void shouldRunTheChecksSubsystemsRegistered() {
        final LiveConfig live = live(Map.of());
        live.addCheck((running, candidate) -> candidate.heartbeatInterval().toSeconds() > 60
            ? List.of("heartbeat-interval: above the load balancer's idle timeout") : List.of());
        assertThat(live.update(ConfigSource.FILE, Map.of("heartbeat-interval", List.of("2m"))).reasons())
            .containsExactly("heartbeat-interval: above the load balancer's idle timeout");
        assertThat(live.update(ConfigSource.FILE, Map.of("heartbeat-interval", List.of("1m"))).applied()).isTrue();
    }

    @Test
    void shouldResolveTheSameSettingByPrecedenceFlagThenFileThenEtcd() {
        final LiveConfig live = LiveConfig.start(Map.of(
            ConfigSource.FLAG, Map.of("listen", List.of("tcp://127.0.0.1:0"), "heartbeat-misses", List.of("3")),
            ConfigSource.FILE, Map.of("heartbeat-misses", List.of("4"), "heartbeat-interval", List.of("6s")),
            ConfigSource.ETCD, Map.of("heartbeat-misses", List.of("5"), "heartbeat-interval", List.of("7s"),
                "resume-window", List.of("1m"))));
        final TetherConfig c = live.current();
        assertThat(c.heartbeatMisses()).isEqualTo(3);
        assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofSeconds(6));
        assertThat(c.resumeWindow()).isEqualTo(Duration.ofMinutes(1));
        // The etcd value shadowed by the file changes nothing in force, and is not refused.
        final LiveConfig.Outcome shadowed = live.update(ConfigSource.ETCD, Map.of("heartbeat-interval",
            List.of("8s"), "resume-window", List.of("1m")));
        assertThat(shadowed.applied()).isTrue();
        assertThat(shadowed.changed()).isEmpty();
        assertThat(live.current().heartbeatInterval()).isEqualTo(Duration.ofSeconds(6));
    }

    @Test
    void shouldRefuseSourceSettingsFromTheSourcesTheyDescribe() {
        final LiveConfig live = live(Map.of());
        assertThat(live.update(ConfigSource.ETCD, Map.of("etcd-prefix", List.of("/x/"))).reasons())
            .contains("etcd-prefix: says how to reach etcd, so it is set as a flag or in the config file, "
                + "not in etcd");
        assertThat(live.update(ConfigSource.FILE, Map.of("config", List.of("other.properties"))).reasons())
            .contains("config: names the config file, so only a flag can set it");
        assertThatThrownBy(() -> LiveConfig.start(Map.of(ConfigSource.ETCD, Map.of("node-name", List.of("a")))))
            .isInstanceOf(ConfigException.class).hasMessageContaining("node-name: says how to reach etcd");
    }

    @Test
    void shouldNeverPrintTheAdminToken() {
        final ConfigBinder.SettingInfo token = ConfigBinder.settings().stream()
            .filter(s -> s.name().equals("admin-token")).findFirst().orElseThrow();
        assertThat(LiveConfig.shown(token, List.of("hunter2"))).isEqualTo("(set)");
    }
}
