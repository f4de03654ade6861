package io.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.engine.config.ConfigBinder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CliTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    @Test
    void shouldListEverySettingWithItsDefaultInServeHelp() {
        final InProcessRun run = InProcessRun.of("serve", "--help");
        assertThat(run.exit()).isZero();
        for (ConfigBinder.SettingInfo s : ConfigBinder.settings()) {
            assertThat(run.out()).contains("--" + s.name());
            if (!s.setting().defaultValue().isEmpty()) {
                assertThat(run.out().replaceAll("\\s+", "")).contains("Default:" + s.setting().defaultValue());
            }
        }
        assertThat(run.out()).contains("[live]");
    }

    @Test
    void shouldPrintTheVersionTheBuildHas() {
        final InProcessRun run = InProcessRun.of("--version");
        assertThat(run.exit()).isZero();
        assertThat(run.out().strip()).isEqualTo("tether " + System.getProperty("tether.version"));
    }

    @Test
    void shouldNameAnUnknownFlagAndExitNonZero() {
        final InProcessRun run = InProcessRun.of("serve", "--heartbeat-intervall", "5s");
        assertThat(run.exit()).isNotZero();
        assertThat(run.err()).contains("--heartbeat-intervall");
    }

    @Test
    void shouldNameEveryBadValueAndExitWithTwo() throws Exception {
        final Process p = tether("serve", "--heartbeat-interval", "soon", "--io-threads", "-3", "--listen",
            "udp://0.0.0.0:1");
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        final String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(err).contains("--heartbeat-interval").contains("--io-threads").contains("--listen")
            .contains("udp").doesNotContain("WARNING");
    }

    @Test
    void shouldServeThenShutDownGracefullyOnSigtermWithExitZero() throws Exception {
        final Process p = tether("serve", "--listen", "tcp://127.0.0.1:0", "--stats-interval", "0");
        final var reader = p.inputReader(StandardCharsets.UTF_8);
        final String first = reader.readLine();
        assertThat(first).startsWith("tether serving [tcp://127.0.0.1:");
        p.toHandle().destroy(); // SIGTERM (Process.destroy would also close our end of its output)
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        final String rest = reader.lines().collect(java.util.stream.Collectors.joining("\n"));
        assertThat(p.exitValue()).isZero();
        assertThat(rest).contains("shutting down").contains("stopped");
    }

    @Test
    void shouldFailClearlyWithoutAJdk21() throws Exception {
        final ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("scripts/tether").toString(), "--help");
        pb.environment().put("TETHER_JVM_DIRS", "/nonexistent");
        pb.environment().put("JAVA_HOME", "/nonexistent-jdk");
        pb.environment().put("PATH", "/bin");
        pb.redirectErrorStream(true);
        final Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).isNotZero();
        assertThat(out).contains("no JDK 21 or newer found");
    }

    /**
     * Runs the CLI in a child JVM on this module's class path (the jar is built after the tests), with the two
     * flags the jar's manifest gives it, so what reaches the terminal is what a user of the jar sees.
     */
    private static Process tether(String... args) throws IOException {
        final String java = ProcessHandle.current().info().command().orElse("java");
        final List<String> command = new java.util.ArrayList<>(List.of(java,
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        assertThat(Files.exists(ROOT.resolve("pom.xml"))).isTrue();
        return new ProcessBuilder(command).start();
    }
}
