package io.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tether.engine.client.TetherClient;
import io.tether.engine.config.ConfigBinder;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Metric;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatCommandTest {
    @TempDir
    Path dir;

    @Test
    void shouldPrintTheServersTotalsOnceAsJsonFilteredByName() throws Exception {
        final Path file = dir.resolve("s.stat");
        final TetherServer server = TetherServer.builder().config(ConfigBinder.bind(Map.of(
            "listen", List.of("tcp://127.0.0.1:0"), "io-threads", List.of("2"),
            "stat-file", List.of(file.toString())))).start();
        try (TetherClient client = TetherClient.builder().clientId("stat")
            .connect(server.boundAddresses().get(0))) {
            for (int i = 0; i < 25; i++) {
                client.request("echo", ByteString.copyFromUtf8("n" + i)).get(10, TimeUnit.SECONDS);
            }
            final InProcessRun run = InProcessRun.of("stat", "--file", file.toString(), "--once", "--json");
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(total(run.out(), "requests")).isEqualTo(server.counters().total(Metric.REQUESTS))
                .isEqualTo(25);
            assertThat(total(run.out(), "frames-in")).isEqualTo(server.counters().total(Metric.FRAMES_IN));
            assertThat(total(run.out(), "connections-accepted")).isEqualTo(1);
            assertThat(run.out()).contains("\"pid\":" + ProcessHandle.current().pid());

            final InProcessRun filtered = InProcessRun.of("stat", "--file", file.toString(), "--once",
                "--filter", "^requests$|sessions-active");
            assertThat(filtered.exit()).isZero();
            assertThat(filtered.out()).containsPattern("requests +25").doesNotContain("frames-in");
            TestPolling.await("the gauge mirrored", () -> InProcessRun.of("stat", "--file", file.toString(),
                "--once", "--filter", "sessions-active").out().matches("(?s).*sessions-active +1 .*"));

            final InProcessRun rates = InProcessRun.of("stat", "--file", file.toString(), "--count", "2");
            assertThat(rates.exit()).isZero();
            assertThat(rates.out()).contains("/s").containsPattern("requests +25 +0\\.0/s");
        } finally {
            server.close();
        }
        final InProcessRun after = InProcessRun.of("stat", "--file", file.toString(), "--once");
        assertThat(after.exit()).isEqualTo(1);
        assertThat(after.err()).contains("no stat file");
    }

    @Test
    void shouldSayTheServerIsGoneOnceItWasKilled() throws Exception {
        final Path file = dir.resolve("killed.stat");
        final Process p = CliProcesses.tether("serve", "--listen", "tcp://127.0.0.1:0", "--stats-interval", "0",
            "--stat-file", file.toString());
        try {
            final BufferedReader reader = p.inputReader(StandardCharsets.UTF_8);
            assertThat(reader.readLine()).startsWith("tether serving");
            assertThat(reader.readLine()).contains(file.toString());
            final InProcessRun alive = InProcessRun.of("stat", "--file", file.toString(), "--once", "--json");
            assertThat(alive.exit()).as(alive.err()).isZero();
            assertThat(alive.out()).contains("\"pid\":" + p.pid());
        } finally {
            p.destroyForcibly();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        final InProcessRun gone = InProcessRun.of("stat", "--file", file.toString(), "--once", "--json");
        assertThat(gone.exit()).isEqualTo(1);
        assertThat(gone.err()).contains("pid " + p.pid()).contains("is gone");
        assertThat(gone.out()).contains("\"gone\"");
    }

    private static long total(String json, String name) {
        final Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":\\{\"total\":(\\d+)").matcher(json);
        assertThat(m.find()).as(name + " in " + json).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** Condition polling with a deadline, never a bare sleep. */
    static final class TestPolling {
        static void await(String what, java.util.function.BooleanSupplier condition) {
            final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("timed out waiting for: " + what);
                }
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
            }
        }
    }
}
