package io.tether.engine.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {
    @TempDir
    Path dir;

    @Test
    void shouldReadPropertiesWithRepeatedAndCommaSeparatedListValues() throws IOException {
        final Map<String, List<String>> values = ConfigFile.parse("""
            # a comment
            heartbeat-interval = 7s
            listen = tcp://127.0.0.1:7000
            listen: ws://127.0.0.1:7001/tether, tcp://127.0.0.1:7002
            tls-protocols = TLSv1.3,TLSv1.2
            """);
        assertThat(values).containsEntry("heartbeat-interval", List.of("7s"))
            .containsEntry("listen", List.of("tcp://127.0.0.1:7000", "ws://127.0.0.1:7001/tether",
                "tcp://127.0.0.1:7002"))
            .containsEntry("tls-protocols", List.of("TLSv1.3,TLSv1.2"));
    }

    @Test
    void shouldRefuseANonRepeatableSettingGivenTwice() throws IOException {
        final Map<String, List<String>> values = ConfigFile.parse("heartbeat-misses = 2\nheartbeat-misses = 3\n");
        final LiveConfig live = LiveConfig.of(Map.of("listen", List.of("tcp://127.0.0.1:0")));
        assertThat(live.update(ConfigSource.FILE, values).reasons())
            .containsExactly("heartbeat-misses: given 2 times, but takes one value");
    }

    @Test
    void shouldFollowTheFileAndRefuseABadVersionKeepingTheOld() throws IOException {
        final Path file = dir.resolve("tether.properties");
        write(file, "heartbeat-interval = 5s\n");
        final LiveConfig live = LiveConfig.start(Map.of(ConfigSource.FLAG, Map.of("listen",
            List.of("tcp://127.0.0.1:0")), ConfigSource.FILE, ConfigFileWatcher.readAtStart(file)));
        assertThat(live.current().heartbeatInterval()).isEqualTo(Duration.ofSeconds(5));
        final List<String>[] refused = new List[1];
        live.subscribe(new LiveConfig.Listener() {
            @Override
            public void onApplied(TetherConfig previous, TetherConfig current) {
            }

            @Override
            public void onRefused(ConfigSource source, List<String> reasons) {
                refused[0] = reasons;
            }
        });
        try (ConfigFileWatcher watcher = ConfigFileWatcher.start(file, live, Duration.ofMillis(200))) {
            write(file, "heartbeat-interval = 6s\nheartbeat-misses = 4\n");
            await("the new file in force", () -> live.current().heartbeatMisses() == 4);
            assertThat(live.current().heartbeatInterval()).isEqualTo(Duration.ofSeconds(6));

            write(file, "heartbeat-interval = 1s\nhearbeat-misses = 3\n");
            await("the typo refused", () -> refused[0] != null);
            assertThat(refused[0]).containsExactly(
                "unknown setting 'hearbeat-misses' (the closest is 'heartbeat-misses')");
            assertThat(live.current().heartbeatInterval()).isEqualTo(Duration.ofSeconds(6));
            assertThat(live.current().heartbeatMisses()).isEqualTo(4);

            refused[0] = null;
            write(file, "heartbeat-interval = 0s\n");
            await("the invalid value refused", () -> refused[0] != null);
            assertThat(refused[0]).containsExactly("heartbeat-interval: must be positive, got 0ms");
            assertThat(live.current().heartbeatInterval()).isEqualTo(Duration.ofSeconds(6));

            write(file, "heartbeat-interval = 2s\n");
            await("the fixed file in force", () -> live.current().heartbeatInterval().toSeconds() == 2);
            assertThat(live.current().heartbeatMisses()).isEqualTo(2); // no longer in the file: the default
        }
    }

    /** As editors and ConfigMaps do: the new content appears whole, by a rename. */
    private void write(Path file, String text) throws IOException {
        final Path tmp = dir.resolve(".tether.properties.tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static void await(String what, BooleanSupplier condition) {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            LockSupport.parkNanos(2_000_000);
        }
    }
}
