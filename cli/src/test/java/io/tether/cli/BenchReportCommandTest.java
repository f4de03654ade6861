package io.tether.cli;

import static io.tether.bench.report.ReportPages.assertSelfContained;
import static io.tether.bench.report.ReportPages.parse;
import static io.tether.bench.report.ReportPages.polylines;
import static io.tether.bench.report.ReportPages.series;
import static org.assertj.core.api.Assertions.assertThat;

import io.tether.engine.TestServers;
import io.tether.engine.server.TetherServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * {@code tether bench --report DIR} against an in-process server over real sockets, closed and open loop: the
 * progress lines are the usual ones; index.html is well-formed XML with every plot drawn, fetches nothing and
 * renders in headless Chromium without a console message; latency.hlog reads back with HdrHistogram's own reader,
 * an intended and an actual histogram an interval; summary.json parses with Python's json module and agrees with
 * the log.
 */
class BenchReportCommandTest {
    private static final Pattern PROGRESS = Pattern.compile(
        " *\\d+\\.\\ds +[\\d,]+ resp/s   p50 \\S+   p99 \\S+   sessions \\d+/\\d+(   send lag p99 \\S+)?");
    private static final List<String> OVER_TIME = List.of("plot-throughput", "plot-sessions", "plot-latency",
        "plot-connects", "plot-percentiles");
    private static final List<String> SERVER = List.of("plot-server-connections", "plot-server-rates");

    @TempDir
    Path dir;
    private TetherServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    @Test
    void shouldReportAClosedLoopRunWithTheServersCounters() throws Exception {
        final Path stat = dir.resolve("server.stat");
        server = TetherServer.builder().config(TestServers.config("stat-file", stat.toString())).start();
        final Path out = dir.resolve("closed");
        final Run run = bench("--sessions", "4", "--pipeline", "4", "--duration", "2s", "--warmup", "500ms",
            "--report", out.toString(), "--stat-file", stat.toString());

        assertProgressAsUsual(run, false);
        final Document page = parse(out.resolve("index.html"));
        assertSelfContained(page);
        for (String id : concat(OVER_TIME, SERVER)) {
            assertThat(polylines(page, id)).as("%s has a line drawn", id).isPositive();
        }
        assertThat(text(page, "summary")).contains("coincide");
        assertSettingsAndMachine(page);

        final Map<String, String> summary = json(out.resolve("summary.json"));
        assertThat(summary).containsEntry("loop", "closed").containsEntry("intended_and_actual_coincide", "True")
            .containsEntry("mismatches", "0").containsEntry("errors", "0").containsEntry("connected", "4");
        assertThat(summary.get("server.source")).contains(stat.toString());
        final Map<String, List<Histogram>> log = readLog(out.resolve("latency.hlog"));
        assertLogAddsUp(log, summary);
        for (int i = 0; i < log.get("intended").size(); i++) {
            assertThat(log.get("actual").get(i)).as("closed loop: sent when intended")
                .isEqualTo(log.get("intended").get(i));
        }
        assertRendersCleanly(out.resolve("index.html"));
    }

    @Test
    void shouldReportAnOpenLoopRunFromTheIntendedAndTheActualSendAndSayThatNoServerCountersWereGiven()
        throws Exception {
        server = TetherServer.builder().config(TestServers.config()).start();
        final Path out = dir.resolve("open");
        final Run run = bench("--sessions", "4", "--rate", "2000", "--duration", "2s", "--warmup", "500ms",
            "--report", out.toString());

        assertProgressAsUsual(run, true);
        final Document page = parse(out.resolve("index.html"));
        assertSelfContained(page);
        for (String id : OVER_TIME) {
            assertThat(polylines(page, id)).as("%s has a line drawn", id).isPositive();
        }
        assertThat(series(page, "plot-percentiles")).containsExactly("from the intended send",
            "from the actual send");
        for (String id : SERVER) {
            assertThat(page.getElementById(id)).as(id).isNull();
        }
        assertThat(text(page, "server")).contains("No server counters").contains("--stat-file");
        assertSettingsAndMachine(page);

        final Map<String, String> summary = json(out.resolve("summary.json"));
        assertThat(summary).containsEntry("loop", "open").containsEntry("rate", "2000")
            .containsEntry("intended_and_actual_coincide", "False").containsEntry("server.source", "None");
        assertThat(Double.parseDouble(summary.get("latency_us.actual.p99")))
            .isLessThanOrEqualTo(Double.parseDouble(summary.get("latency_us.intended.p99")));
        assertThat(summary.get("latency_us.send_lag.count")).isEqualTo(summary.get("sent"));
        assertLogAddsUp(readLog(out.resolve("latency.hlog")), summary);
        assertRendersCleanly(out.resolve("index.html"));
    }

    @Test
    void shouldCatchAPageThatLoadsFromElsewhereOrRunsAScript() throws Exception {
        final Path page = dir.resolve("broken.html");
        Files.writeString(page, "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\""
            + "default-src 'none'; style-src 'unsafe-inline'; img-src data:\"/></head><body><p>broken</p>"
            + "<img src=\"https://example.invalid/x.png\"/><script>console.error('boom')</script></body></html>");
        final Path work = Files.createDirectories(dir.resolve("broken-chromium"));
        assertThat(HeadlessChromium.render(page, work).consoleMessages()).hasSize(2);
    }

    @Test
    void shouldRefuseAReportOfAStormOrAChaosRun() {
        final InProcessRun run = InProcessRun.of("bench", "--storm", "--report", dir.toString());
        assertThat(run.exit()).isEqualTo(2);
    }

    /** What a run printed, with its exit code. */
    private record Run(int exit, String out, String err) {
    }

    private Run bench(String... args) throws IOException {
        final List<String> all = new ArrayList<>(List.of("bench", "--target",
            "tcp://127.0.0.1:" + TestServers.address(server).getPort()));
        all.addAll(List.of(args));
        final PrintStream stdout = System.out;
        final PrintStream stderr = System.err;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final InProcessRun run;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            run = InProcessRun.of(all.toArray(String[]::new));
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        final Run r = new Run(run.exit(), out.toString(StandardCharsets.UTF_8),
            err.toString(StandardCharsets.UTF_8) + run.err());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        return r;
    }

    /** The lines a run without --report prints: connected, one a second, the table, the JSON line. */
    private static void assertProgressAsUsual(Run run, boolean openLoop) {
        final List<String> lines = run.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("connected 4 sessions (0 failed)");
        final List<String> progress = lines.stream().filter(l -> PROGRESS.matcher(l).matches()).toList();
        assertThat(progress).hasSize(2).allMatch(l -> l.contains("send lag") == openLoop);
        assertThat(lines.subList(1, 3)).isEqualTo(progress);
        assertThat(lines).anyMatch(l -> l.matches(" +report +.*index\\.html"));
        assertThat(lines.get(lines.size() - 1)).startsWith("{\"target\":");
    }

    /** Every option of tether bench has a row; the machine's cores are the JVM's. */
    private static void assertSettingsAndMachine(Document page) {
        final int options = (int) Main.commandLine().getSubcommands().get("bench").getCommandSpec().options().stream()
            .filter(o -> !o.usageHelp() && !o.versionHelp()).count();
        final Element settings = page.getElementById("settings");
        assertThat(settings.getElementsByTagName("tr").getLength()).isEqualTo(options + 1);
        assertThat(settings.getTextContent()).contains("--report").contains("given").contains("--io-threads1default");
        assertThat(text(page, "machine")).contains("cores" + Runtime.getRuntime().availableProcessors())
            .contains("tether 0.1.0");
    }

    private static String text(Document page, String id) {
        return page.getElementById(id).getTextContent();
    }

    /** Every interval of the log, by tag. */
    private static Map<String, List<Histogram>> readLog(Path file) throws IOException {
        final Map<String, List<Histogram>> byTag = new HashMap<>();
        try (HistogramLogReader reader = new HistogramLogReader(file.toFile())) {
            EncodableHistogram h;
            while ((h = reader.nextIntervalHistogram()) != null) {
                byTag.computeIfAbsent(h.getTag(), t -> new ArrayList<>()).add((Histogram) h);
            }
        }
        return byTag;
    }

    /** Two measured intervals of each tag, counting every response the summary counts. */
    private static void assertLogAddsUp(Map<String, List<Histogram>> log, Map<String, String> summary) {
        assertThat(log.keySet()).containsExactlyInAnyOrder("intended", "actual");
        assertThat(summary).containsEntry("intervals", "2");
        for (String tag : log.keySet()) {
            assertThat(log.get(tag)).as(tag).hasSize(2);
            assertThat(log.get(tag).stream().mapToLong(Histogram::getTotalCount).sum()).as(tag)
                .isEqualTo(Long.parseLong(summary.get("responses"))).isPositive();
        }
    }

    private void assertRendersCleanly(Path page) throws Exception {
        final HeadlessChromium shot = HeadlessChromium.render(page, Files.createDirectories(dir.resolve("chromium")));
        assertThat(shot.consoleMessages()).as("the page's console").isEmpty();
        assertThat(shot.width()).isEqualTo(1280);
        assertThat(Files.size(shot.screenshot())).as("screenshot bytes").isGreaterThan(40_000);
        assertThat(shot.colors()).as("colours in the screenshot: plots, not a blank page").isGreaterThan(100);
    }

    /**
     * summary.json read by Python's json module (a real parser, not ours), flattened to dotted keys with Python's
     * str() of each value (so null reads None, true reads True).
     */
    private static Map<String, String> json(Path file) throws IOException, InterruptedException {
        final String script = String.join("\n",
            "import json, sys",
            "def walk(prefix, v):",
            "    if isinstance(v, dict):",
            "        for k, x in v.items():",
            "            walk(prefix + k + '.', x)",
            "    else:",
            "        print(prefix[:-1] + '=' + str(v))",
            "walk('', json.load(open(sys.argv[1], encoding='utf-8')))",
            "");
        final Process p = new ProcessBuilder("/usr/bin/python3", "-c", script, file.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("python3's json module parsed %s", file).isZero();
        final Map<String, String> values = new LinkedHashMap<>();
        out.lines().forEach(l -> values.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
        return values;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        final List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
