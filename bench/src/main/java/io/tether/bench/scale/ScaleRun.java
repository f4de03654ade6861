package io.tether.bench.scale;

import com.google.protobuf.ByteString;
import io.tether.bench.report.ScaleReport;
import io.tether.codec.proto.Response;
import io.tether.engine.client.TetherClient;
import io.tether.session.Backoff;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.HdrHistogram.Histogram;

/**
 * Many sessions on a cluster on this machine (scripts/bench-100k): a real etcd, N {@code tether serve} nodes (one
 * process each, so each stays under the per-process file limit), one {@link SessionHolder} process per node holding
 * its share of sessions (clients that know every node), and phases: ramp-up at a set connect rate, an idle hold,
 * pushes to every session from random nodes (each checked by sequence), request load at a fixed rate, a drain of a
 * whole node (its sessions hand over to the others), and ramp-down. Bounded in time; every process it started is
 * stopped on the way out. Prints the report and writes it to {@code OUT/report.txt}, and as a page with plots to
 * {@code OUT/index.html} (with {@code OUT/latency.hlog}; see {@link ScaleReport}), the nodes sampled every second
 * for it by a {@link Sampler}.
 *
 * <pre>
 * java -cp tether.jar io.tether.bench.scale.ScaleRun JAR OUT NODES SESSIONS_PER_NODE CONNECT_RATE HOLD_SECONDS
 *     PUSH_ROUNDS REQUEST_RATE REQUEST_SECONDS
 * </pre>
 */
public final class ScaleRun {
    private final Path jar;
    private final Path out;
    private final Processes processes = new Processes();
    private final List<Node> nodes = new ArrayList<>();
    private final List<Holder> holders = new ArrayList<>();
    private final PrintWriter text;
    private final ScaleReport page;
    /** The run's time 0, which the page's times count from. */
    private final long zero = System.nanoTime();
    /** Asks every holder at once (the common pool may have one thread on two cores). */
    private final ExecutorService asking = Executors.newVirtualThreadPerTaskExecutor();
    private Sampler sampler;
    private String etcd;

    private ScaleRun(Path jar, Path out, ScaleReport.Parameters parameters) throws IOException {
        this.jar = jar;
        this.out = out;
        Files.createDirectories(out);
        this.text = new PrintWriter(Files.newBufferedWriter(out.resolve(ScaleReport.TEXT)), true);
        this.page = new ScaleReport(parameters, Instant.now(), version());
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 9) {
            System.err.println("usage: ScaleRun JAR OUT NODES SESSIONS_PER_NODE CONNECT_RATE HOLD_SECONDS PUSH_ROUNDS "
                + "REQUEST_RATE REQUEST_SECONDS");
            System.exit(2);
        }
        final ScaleReport.Parameters parameters = new ScaleReport.Parameters(Integer.parseInt(args[2]),
            Integer.parseInt(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]),
            Integer.parseInt(args[6]), Integer.parseInt(args[7]), Integer.parseInt(args[8]));
        final ScaleRun run = new ScaleRun(Path.of(args[0]), Path.of(args[1]), parameters);
        Runtime.getRuntime().addShutdownHook(new Thread(run.processes::stopAll));
        int code = 0;
        try {
            code = run.run(parameters);
        } catch (Exception e) {
            run.say("FAILED: " + e);
            run.page.result(false, "FAILED: " + e);
            e.printStackTrace();
            code = 1;
        } finally {
            run.finish();
        }
        System.exit(code);
    }

    private void say(String line) {
        System.out.println(line);
        System.out.flush();
        text.println(line);
    }

    /** Seconds since the run's time 0. */
    private double at(long nanos) {
        return (nanos - zero) / 1e9;
    }

    /** Says a phase's figures, and puts the phase on the page. */
    private void phase(String name, long start, long live, String figures, ScaleReport.Timed timed, Histogram h) {
        say(name + ": " + figures);
        page.phase(new ScaleReport.Phase(name, at(start), at(System.nanoTime()), live, figures, timed, h));
    }

    private int run(ScaleReport.Parameters p) throws Exception {
        final int nodeCount = p.nodes();
        final int perNode = p.sessionsPerNode();
        final int total = p.sessions();
        final int afterDrain = perNode + (perNode + nodeCount - 2) / Math.max(1, nodeCount - 1);
        if (afterDrain > 19_000) {
            say("warning: after a node drains, each other node holds about " + afterDrain + " sessions, over what a "
                + "process may keep open here (20,000 files); use more nodes");
        }
        say("scale run " + Instant.now() + ": " + nodeCount + " nodes x " + perNode + " sessions = " + total
            + ", connect rate " + p.connectRate() + "/s, hold " + p.holdSeconds() + " s, " + p.pushRounds()
            + " push rounds, " + p.requestRate() + " requests/s for " + p.requestSeconds() + " s; "
            + Runtime.getRuntime().availableProcessors() + " cores");
        startEtcd();
        for (int i = 0; i < nodeCount; i++) {
            nodes.add(new Node(i, jar, out, etcd, processes));
        }
        for (Node n : nodes) {
            n.start();
        }
        sampler = new Sampler(nodes, zero, Duration.ofSeconds(1));
        final List<String> urls = nodes.stream().map(Node::url).toList();
        for (Node n : nodes) {
            n.baseline();
        }
        nodeFigures("before any session (the baseline the figures below subtract)", true);
        for (int i = 0; i < nodeCount; i++) {
            final List<String> mine = new ArrayList<>(urls);
            java.util.Collections.rotate(mine, -i);
            holders.add(new Holder(i, mine, jar, out, processes));
        }
        // ---- ramp-up
        final long rampStart = System.nanoTime();
        final List<String> connected = all("connect " + perNode + " " + Math.max(1, p.connectRate() / nodeCount));
        final double rampSeconds = (System.nanoTime() - rampStart) / 1e9;
        long failedConnects = 0;
        for (String c : connected) {
            failedConnects += Long.parseLong(c.split(" ")[3]);
        }
        phase("ramp-up", rampStart, status()[0], String.format("%d sessions in %.1f s = %.0f connects/s, %d failed",
            total, rampSeconds, total / rampSeconds, failedConnects), ScaleReport.Timed.NOTHING, null);
        nodeFigures("after ramp-up", false);
        // ---- idle hold
        final long holdStart = System.nanoTime();
        final long holdEnd = holdStart + TimeUnit.SECONDS.toNanos(p.holdSeconds());
        long minLive = Long.MAX_VALUE;
        while (System.nanoTime() < holdEnd) {
            LockSupport.parkNanos(Math.min(TimeUnit.SECONDS.toNanos(30), Math.max(0, holdEnd - System.nanoTime())));
            final long[] s = status();
            minLive = Math.min(minLive, s[0]);
            say(String.format("  hold: %d live, %d sessions the server could not resume", s[0], s[4]));
        }
        phase("idle hold", holdStart, minLive, "lowest live sessions " + minLive + " of " + total + ", dropped "
            + (total - minLive), ScaleReport.Timed.NOTHING, null);
        nodeFigures("after the idle hold (after a full GC)", true);
        // ---- pushes from random nodes
        final List<String> ids = new ArrayList<>();
        for (Holder h : holders) {
            final Path file = out.resolve("ids-" + h.index + ".txt");
            h.ask("ids " + file);
            ids.addAll(Files.readAllLines(file));
        }
        all("pushlat");
        final long pushStart = System.nanoTime();
        final long pushFailures = push(ids, 0, p.pushRounds(), urls);
        awaitReceived((long) p.pushRounds() * ids.size(), 120);
        final long[] afterPush = status();
        final Histogram pushLatency = latency(h -> "pushlat", new ArrayList<>());
        phase("pushes", pushStart, afterPush[0], String.format("%d rounds x %d sessions from random nodes, %d not "
            + "delivered, %d received, %d lost (gaps), %d duplicated", p.pushRounds(), ids.size(), pushFailures,
            afterPush[1], afterPush[2], afterPush[3]), ScaleReport.Timed.PUSHES, pushLatency);
        sayLatency("  push latency (send to receipt)", pushLatency);
        // ---- requests at a fixed rate
        final long requestStart = System.nanoTime();
        final List<String> answers = new ArrayList<>();
        final Histogram requestLatency = latency(h -> "requests " + Math.max(1, p.requestRate() / nodeCount) + " "
            + p.requestSeconds(), answers);
        final long failedRequests = answers.stream().mapToLong(a -> Long.parseLong(a.split(" ")[2])).sum();
        phase("requests", requestStart, status()[0], String.format("%d/s for %d s: %d answered, %d failed",
            p.requestRate(), p.requestSeconds(), requestLatency.getTotalCount(), failedRequests),
            ScaleReport.Timed.REQUESTS, requestLatency);
        sayLatency("  request latency (from the intended send)", requestLatency);
        nodeFigures("under requests", false);
        // ---- a whole node drains into the others
        final Node drained = nodes.get(0);
        final int sessionsThere = drained.sessions();
        final long drainStart = System.nanoTime();
        final int exit = drained.stop();
        final double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
        final long liveDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (status()[0] < total && System.nanoTime() < liveDeadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
        final long back = status()[0];
        phase("reconnect storm", drainStart, back, String.format("node 0 drained (exit %d) in %.1f s, its %d "
            + "sessions handed to the others; all %d live again after %.1f s", exit, drainSeconds, sessionsThere, back,
            (System.nanoTime() - drainStart) / 1e9), ScaleReport.Timed.NOTHING, null);
        drained.start();
        drained.baseline();
        final List<String> others = urls.subList(1, urls.size());
        final long stormPushStart = System.nanoTime();
        final long stormFailures = push(ids, p.pushRounds(), 1, others);
        awaitReceived((long) (p.pushRounds() + 1) * ids.size(), 120);
        final long[] afterStorm = status();
        final Histogram stormLatency = latency(h -> "pushlat", new ArrayList<>());
        phase("push after the storm", stormPushStart, afterStorm[0], String.format("a round: %d not delivered; in "
            + "all %d received, %d lost, %d duplicated, %d sessions not resumed", stormFailures, afterStorm[1],
            afterStorm[2], afterStorm[3], afterStorm[4]), ScaleReport.Timed.PUSHES, stormLatency);
        sayLatency("  push latency (send to receipt)", stormLatency);
        nodeFigures("after the storm", false);
        // ---- ramp-down
        final long downStart = System.nanoTime();
        all("close");
        phase(ScaleReport.RAMP_DOWN, downStart, status()[0], String.format("%d sessions closed in %.1f s", total,
            (System.nanoTime() - downStart) / 1e9), ScaleReport.Timed.NOTHING, null);
        final boolean ok = failedConnects == 0 && minLive == total && pushFailures == 0 && stormFailures == 0
            && afterStorm[2] == 0 && afterStorm[3] == 0 && afterStorm[4] == 0;
        final String result = ok ? "result: every session held, every push delivered once and in order"
            : "result: FAILURES above";
        say(result);
        page.result(ok, result);
        return ok ? 0 : 1;
    }

    /** Stops the sampler, writes the page (whatever the run reached) and stops every process. */
    private void finish() {
        try {
            if (sampler != null) {
                sampler.stop();
            }
            say("page: " + page.write(out, sampler == null ? List.of() : sampler.samples()));
        } catch (Exception e) {
            say("could not write the page: " + e);
        } finally {
            processes.stopAll();
        }
    }

    /** Pushes rounds [from, from + rounds) to every session, each push from a random node; rounds in order. */
    private long push(List<String> ids, int from, int rounds, List<String> urls) throws Exception {
        final List<TetherClient> pushers = new ArrayList<>();
        final AtomicLong failures = new AtomicLong();
        try {
            for (int i = 0; i < urls.size(); i++) {
                pushers.add(TetherClient.builder().clientId("pusher-" + i + "-" + from).timeout(Duration.ofSeconds(30))
                    .backoff(Duration.ofMillis(100), Duration.ofSeconds(2), Backoff.UNLIMITED).connect(urls.get(i)));
            }
            // Fewer in flight per pusher than session-response-window, so a re-sent request never runs twice.
            final List<Semaphore> windows = pushers.stream().map(p -> new Semaphore(48)).toList();
            for (int round = from; round < from + rounds; round++) {
                final List<CompletableFuture<Response>> sent = new ArrayList<>(ids.size());
                for (String id : ids) {
                    final int p = ThreadLocalRandom.current().nextInt(pushers.size());
                    windows.get(p).acquireUninterruptibly();
                    final Instant now = Instant.now();
                    final String payload = round + ":" + (now.getEpochSecond() * 1_000_000 + now.getNano() / 1000);
                    sent.add(pushers.get(p).request("send", ByteString.copyFromUtf8(payload), Map.of("to", id))
                        .whenComplete((r, e) -> windows.get(p).release()));
                }
                for (CompletableFuture<Response> f : sent) {
                    try {
                        if (f.get(120, TimeUnit.SECONDS).getStatus() != 0) {
                            failures.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                }
            }
        } finally {
            pushers.forEach(TetherClient::close);
        }
        return failures.get();
    }

    private void awaitReceived(long expected, int seconds) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (status()[1] < expected && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
    }

    /** Live, received, gaps, duplicates, sessions lost: summed over the holders. */
    private long[] status() {
        final long[] sum = new long[5];
        for (String s : all("status")) {
            final String[] f = s.split(" ");
            for (int i = 0; i < 5; i++) {
                sum[i] += Long.parseLong(f[i + 1]);
            }
        }
        return sum;
    }

    /**
     * Asks every holder {@code command} with a file for its histogram after it; the histograms merged (each
     * holder's file removed once read), the answers added to {@code answers}.
     */
    private Histogram latency(Function<Holder, String> command, List<String> answers) throws IOException {
        final Function<Holder, Path> file = h -> out.resolve("latency-" + h.index + ".hlog");
        answers.addAll(all(h -> command.apply(h) + " " + file.apply(h)));
        final Histogram merged = new Histogram(3);
        for (Holder h : holders) {
            merged.add(SessionHolder.read(file.apply(h)));
            Files.delete(file.apply(h));
        }
        return merged;
    }

    /** The percentiles of all holders' histogram: microseconds to ms. */
    private void sayLatency(String what, Histogram h) {
        say(String.format("%s: %d, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms (all holders)", what,
            h.getTotalCount(), h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
            h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3));
    }

    /** Each live node's sessions, heap and RSS (and per session, above its baseline), and CPU since the last call. */
    private void nodeFigures(String when, boolean gc) {
        say("  nodes " + when + ":");
        for (Node n : nodes) {
            if (n.process() != null) {
                final ScaleReport.NodeFigures f = n.figures(when, gc);
                say(f.line());
                page.nodes(f);
            }
        }
    }

    private List<String> all(String command) {
        return all(h -> command);
    }

    /** Asks every holder at once, each its own command. */
    private List<String> all(Function<Holder, String> command) {
        final List<CompletableFuture<String>> answers = new ArrayList<>();
        for (Holder h : holders) {
            answers.add(CompletableFuture.supplyAsync(() -> h.ask(command.apply(h)), asking));
        }
        return answers.stream().map(CompletableFuture::join).toList();
    }

    /** The tether version of the jar, as {@code tether --version} prints it. */
    private static String version() {
        final Properties build = new Properties();
        try (InputStream in = ClassLoader.getSystemResourceAsStream("io/tether/cli/version.properties")) {
            if (in != null) {
                build.load(in);
            }
        } catch (IOException e) {
            // unknown
        }
        return "tether " + build.getProperty("version", "(version unknown)");
    }

    private void startEtcd() throws Exception {
        final Path data = Files.createTempDirectory(out, "etcd-");
        final int client = Processes.freePort();
        final int peer = Processes.freePort();
        etcd = "http://127.0.0.1:" + client;
        processes.start(new ProcessBuilder("etcd", "--name", "scale", "--data-dir", data.toString(),
            "--listen-client-urls", etcd, "--advertise-client-urls", etcd,
            "--listen-peer-urls", "http://127.0.0.1:" + peer, "--initial-advertise-peer-urls",
            "http://127.0.0.1:" + peer, "--initial-cluster", "scale=http://127.0.0.1:" + peer, "--log-level", "warn")
            .redirectErrorStream(true).redirectOutput(out.resolve("etcd.log").toFile()));
        final HttpClient http = HttpClient.newHttpClient();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(etcd + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).body().contains("true")) {
                    return;
                }
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("etcd did not start: " + Files.readString(out.resolve("etcd.log")));
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }
}
