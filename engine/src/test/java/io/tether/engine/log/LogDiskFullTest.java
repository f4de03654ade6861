package io.tether.engine.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.tether.engine.TestServers;
import io.tether.engine.config.TetherConfig;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.log.DropReason;
import io.tether.telemetry.log.JsonLines;
import io.tether.telemetry.log.LogControl;
import io.tether.telemetry.log.LogDrops;
import io.tether.telemetry.log.ServerLog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A full disk, for real: an 8 MiB tmpfs mounted by the test (it fails, never skips, when it cannot mount) holds
 * the log file. Filled up by other files, the log stops writing, says so once on stderr, and the server keeps
 * serving its clients; freed, it resumes and writes how much it dropped, which matches the metrics. It deletes
 * none of the files that filled the disk, and every line it left is whole JSON.
 */
class LogDiskFullTest {
    @Test
    void shouldStopWritingOnAFullDiskKeepServingAndResumeWithTheRightCounts() throws Exception {
        final Path mount = Files.createTempDirectory("tether-log-disk");
        run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mount.toString());
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        final PrintStream notices = new PrintStream(stderr, true, StandardCharsets.UTF_8);
        final LogDrops drops = LogControl.global().drops();
        final long lowBefore = drops.get(DropReason.DISK_LOW_WATER);
        final long highBefore = drops.get(DropReason.DISK_HIGH_WATER);
        final long errorsBefore = drops.get(DropReason.WRITE_ERROR);
        ServerLog log = null;
        TetherServer server = null;
        final List<Path> fillers = new ArrayList<>();
        try {
            final Path file = mount.resolve("tether.log");
            final TetherConfig config = TestServers.config("log-file", file.toString(),
                "log-file-max-size", "512KiB", "log-file-max-count", "2", "log-file-max-total", "2MiB",
                "log-disk-high-water", "3MiB", "log-disk-low-water", "1MiB",
                "log-sample-first", "1000000", "log-sample-thereafter", "1");
            log = ServerLog.install(LogControl.global(), config.logSettings(), false, notices, "", "http/protobuf");
            server = TetherServer.builder().config(config).start();
            try (LogLoad load = new LogLoad(TestServers.address(server))) {
                final ServerLog l = log;
                TestServers.await("records written", () -> l.pipeline().written() > 500, 20);

                // Fill the disk with files that are not the log's; the guard may delete its own rolled files first.
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!stderr.toString(StandardCharsets.UTF_8).contains("log file writes stopped")) {
                    final long free = Files.getFileStore(mount).getUsableSpace();
                    if (free > 300 * 1024) {
                        final Path filler = mount.resolve("filler-" + fillers.size());
                        try {
                            Files.write(filler, new byte[(int) (free - 200 * 1024)]);
                        } catch (IOException full) {
                            // the log took some of it meanwhile; what was written stays
                        }
                        fillers.add(filler);
                    }
                    if (System.nanoTime() > deadline) {
                        fail("the log never stopped writing; stderr: " + stderr);
                    }
                    Thread.sleep(50);
                }
                final long writtenWhenStopped = log.pipeline().written();
                assertThat(load.echoesWithin(1500)).as("echoes served while the log disk is full").isPositive();
                final long churnedWhileFull = load.churned.get();
                TestServers.await("sessions still opened while the disk is full",
                    () -> load.churned.get() > churnedWhileFull);
                assertThat(log.pipeline().written()).as("nothing written below low water").isEqualTo(writtenWhenStopped);
                for (Path f : fillers) {
                    assertThat(f).exists(); // it only ever deletes its own rolled files
                }

                for (Path f : fillers) {
                    Files.deleteIfExists(f);
                }
                TestServers.await("log writes resumed",
                    () -> stderr.toString(StandardCharsets.UTF_8).contains("log file writes resumed"), 20);
                final long resumedAt = log.pipeline().written();
                TestServers.await("records written again", () -> l.pipeline().written() > resumedAt + 100, 20);
                assertThat(load.echoesWithin(500)).isPositive();
                assertThat(load.echoFailures.get()).isZero();
            }
            server.shutdown(Duration.ofSeconds(2));
            server = null;
            final long accepted = log.pipeline().accepted();
            final long written = log.pipeline().written();
            log.close();
            log = null;

            final long low = drops.get(DropReason.DISK_LOW_WATER) - lowBefore;
            final long high = drops.get(DropReason.DISK_HIGH_WATER) - highBefore;
            final long errors = drops.get(DropReason.WRITE_ERROR) - errorsBefore;
            assertThat(low).isPositive();
            assertThat(accepted).as("every record written or counted").isEqualTo(written + low + high + errors);
            assertThat(stderr.toString(StandardCharsets.UTF_8).lines()
                .filter(s -> s.contains("log file writes stopped"))).hasSize(1);

            final Path[] files;
            try (Stream<Path> s = Files.list(mount)) {
                files = s.filter(p -> p.getFileName().toString().startsWith("tether.log")).toArray(Path[]::new);
            }
            final List<Map<String, String>> records = JsonLines.parse(files);
            final Map<String, String> resumed = records.stream().filter(r -> r.get("event").equals("log.resumed"))
                .findFirst().orElseThrow(() -> new AssertionError("no log.resumed record"));
            assertThat(Long.parseLong(resumed.get("dropped_low_water"))).isEqualTo(low);
            assertThat(Long.parseLong(resumed.get("dropped_high_water"))).isLessThanOrEqualTo(high);
            assertThat(records).anySatisfy(r -> assertThat(r.get("event")).isEqualTo("session.opened"));
        } finally {
            if (server != null) {
                server.shutdown(Duration.ofSeconds(1));
            }
            if (log != null) {
                log.close();
            }
            run("umount", mount.toString());
            Files.deleteIfExists(mount);
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        HostCommand.run("the test needs to mount a small tmpfs, as root", command);
    }
}
