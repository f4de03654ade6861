package io.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.engine.config.ConfigBinder;
import io.tether.engine.server.TetherServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tether bench --storm} against a server whose counters it reads from the stat file. */
class BenchStormCommandTest {
    @TempDir
    Path dir;

    @Test
    void shouldReportTheStormWithTheServersAdmissionsFromItsStatFile() throws Exception {
        final Path stat = dir.resolve("storm.stat");
        final TetherServer server = TetherServer.builder().config(ConfigBinder.bind(Map.of(
            "listen", List.of("tcp://127.0.0.1:0", "tcp://127.0.0.1:0"), "io-threads", List.of("2"),
            "accept-rate", List.of("100"), "accept-burst", List.of("100"), "accept-queue-wait", List.of("10s"),
            "stat-file", List.of(stat.toString())))).start();
        final PrintStream stdout = System.out;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        final InProcessRun run;
        try (server) {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            run = InProcessRun.of("bench", "--storm", "--json",
                "--target", "tcp://127.0.0.1:" + server.boundAddresses().get(0).getPort(),
                "--control-target", "tcp://127.0.0.1:" + server.boundAddresses().get(1).getPort(),
                "--sessions", "200", "--control-sessions", "2", "--control-rate", "100", "--push-rate", "400",
                "--duration", "2s", "--backoff", "50ms,1s", "--server-accept", "100,100",
                "--stat-file", stat.toString(), "--label", "small");
        } finally {
            System.setOut(stdout);
        }
        final String out = captured.toString(StandardCharsets.UTF_8);
        assertThat(run.exit()).as(out + run.err()).isZero();
        assertThat(out).contains("\"label\":\"small\"", "\"mode\":\"storm\"", "\"sessions\":200",
            "\"resumed\":200", "\"pushes_lost\":0", "\"implied_s\":1.000", "\"bound_s\":2.000");
        // the server's counter was read: 200 connections admitted after the cut
        assertThat(out).containsPattern("\"server_accepted\":2\\d\\d,");
        assertThat(out).doesNotContain("\"server_rate\":NaN");
    }
}
