package io.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tether serve --config}: the file followed live, and {@code tether config show} against the server. */
class ServeConfigTest {
    @TempDir
    Path dir;

    @Test
    void shouldFollowTheConfigFileAndShowEverySettingWithItsSource() throws Exception {
        final Path file = dir.resolve("tether.properties");
        Files.writeString(file, "stats-interval = 0\nheartbeat-interval = 5s\nheartbeat-misses = 4\n");
        final Path stat = dir.resolve("t.stat");
        final Process p = CliProcesses.tether("serve", "--listen", "tcp://127.0.0.1:0", "--config", file.toString(),
            "--stat-file", stat.toString(), "--heartbeat-misses", "3", "--config-check-interval", "200ms");
        final BlockingQueue<String> lines = new ArrayBlockingQueue<>(1000);
        final Thread reader = Thread.ofPlatform().daemon(true).start(() -> {
            try (BufferedReader r = p.inputReader(StandardCharsets.UTF_8)) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.offer(line);
                }
            } catch (java.io.IOException e) {
                // the process ended
            }
        });
        try {
            assertThat(lines.poll(30, TimeUnit.SECONDS)).startsWith("tether serving [tcp://127.0.0.1:");
            assertThat(lines.poll(10, TimeUnit.SECONDS)).contains("tether config show");
            assertThat(lines.poll(10, TimeUnit.SECONDS)).isEqualTo("tether: logging json to stderr");

            final InProcessRun show = InProcessRun.of("config", "show", "--file", stat.toString());
            assertThat(show.exit()).as(show.err()).isZero();
            assertThat(show.out()).containsPattern("heartbeat-interval +5s +file\\n")
                .containsPattern("heartbeat-misses +3 +flag +\\(overrides file=4\\)")
                .containsPattern("resume-window +2m +default");

            // stats-interval is live: the summary line starts without a restart.
            Files.writeString(dir.resolve("t.tmp"), "stats-interval = 200ms\nheartbeat-interval = 5s\n");
            Files.move(dir.resolve("t.tmp"), file, StandardCopyOption.REPLACE_EXISTING);
            final String stats = lines.poll(10, TimeUnit.SECONDS);
            assertThat(stats).startsWith("sessions 0 |");
            assertThat(InProcessRun.of("config", "show", "--file", stat.toString()).out())
                .containsPattern("stats-interval +200ms +file");
        } finally {
            p.toHandle().destroy();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            reader.join(5_000);
        }
        assertThat(p.exitValue()).isZero();
        assertThat(dir.resolve("t.config")).doesNotExist();
        assertThat(InProcessRun.of("config", "show", "--file", stat.toString()).exit()).isEqualTo(1);
    }

    @Test
    void shouldRefuseAnUnknownKeyInTheFileAtStartWithTheClosestName() throws Exception {
        final Path file = dir.resolve("tether.properties");
        Files.writeString(file, "heartbeat-intervall = 5s\n");
        final Process p = CliProcesses.tether("serve", "--listen", "tcp://127.0.0.1:0", "--config", file.toString());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
    }
}
