package io.tether.bench.scale;

import com.google.protobuf.ByteString;
import io.tether.codec.proto.Response;
import io.tether.engine.client.TetherClient;
import io.tether.session.Backoff;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;

/**
 * Many sessions on a cluster on this machine (scripts/bench-100k): a real etcd, N {@code tether serve} nodes (one
 * process each, so each stays under the per-process file limit), one {@link SessionHolder} process per node holding
 * its share of sessions (clients that know every node), and phases: ramp-up at a set connect rate, an idle hold,
 * pushes to every session from random nodes (each checked by sequence), request load at a fixed rate, a drain of a
 * whole node (its sessions hand over to the others), and ramp-down. Bounded in time; every process it started is
 * stopped on the way out. Prints the report and writes it to {@code OUT/report.txt}.
 *
 * <pre>
 * java -cp tether.jar io.tether.bench.scale.ScaleRun JAR OUT NODES SESSIONS_PER_NODE CONNECT_RATE HOLD_SECONDS
 *     PUSH_ROUNDS REQUEST_RATE REQUEST_SECONDS
 * </pre>
 */
public final class ScaleRun {
    private final Path jar;
    private final Path out;
    private final List<Process> processes = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final List<Holder> holders = new ArrayList<>();
    private final PrintWriter report;
    /** Asks every holder at once (the common pool may have one thread on two cores). */
    private final java.util.concurrent.ExecutorService asking =
        java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    private String etcd;

    private ScaleRun(Path jar, Path out) throws IOException {
        this.jar = jar;
        this.out = out;
        Files.createDirectories(out);
        this.report = new PrintWriter(Files.newBufferedWriter(out.resolve("report.txt")), true);
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 9) {
            System.err.println("usage: ScaleRun JAR OUT NODES SESSIONS_PER_NODE CONNECT_RATE HOLD_SECONDS PUSH_ROUNDS "
                + "REQUEST_RATE REQUEST_SECONDS");
            System.exit(2);
        }
        final ScaleRun run = new ScaleRun(Path.of(args[0]), Path.of(args[1]));
        final Thread guard = new Thread(run::stopAll);
        Runtime.getRuntime().addShutdownHook(guard);
        int code = 0;
        try {
            code = run.run(Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                Integer.parseInt(args[5]), Integer.parseInt(args[6]), Integer.parseInt(args[7]),
                Integer.parseInt(args[8]));
        } catch (Exception e) {
            run.say("FAILED: " + e);
            e.printStackTrace();
            code = 1;
        } finally {
            run.stopAll();
        }
        System.exit(code);
    }

    private void say(String line) {
        System.out.println(line);
        System.out.flush();
        report.println(line);
    }

    private int run(int nodeCount, int perNode, int connectRate, int holdSeconds, int pushRounds, int requestRate,
                    int requestSeconds) throws Exception {
        final int total = nodeCount * perNode;
        final int afterDrain = perNode + (perNode + nodeCount - 2) / Math.max(1, nodeCount - 1);
        if (afterDrain > 19_000) {
            say("warning: after a node drains, each other node holds about " + afterDrain + " sessions, over what a "
                + "process may keep open here (20,000 files); use more nodes");
        }
        say("scale run " + Instant.now() + ": " + nodeCount + " nodes x " + perNode + " sessions = " + total
            + ", connect rate " + connectRate + "/s, hold " + holdSeconds + " s, " + pushRounds + " push rounds, "
            + requestRate + " requests/s for " + requestSeconds + " s; " + Runtime.getRuntime().availableProcessors()
            + " cores");
        startEtcd();
        for (int i = 0; i < nodeCount; i++) {
            nodes.add(new Node(i));
        }
        for (Node n : nodes) {
            n.start();
        }
        final List<String> urls = nodes.stream().map(Node::url).toList();
        for (Node n : nodes) {
            n.baseline();
        }
        nodeFigures("before any session (the baseline the figures below subtract)", true);
        for (int i = 0; i < nodeCount; i++) {
            final List<String> mine = new ArrayList<>(urls);
            java.util.Collections.rotate(mine, -i);
            holders.add(new Holder(i, mine));
        }
        // ---- ramp-up
        final long rampStart = System.nanoTime();
        final List<String> connected = all("connect " + perNode + " " + Math.max(1, connectRate / nodeCount));
        final double rampSeconds = (System.nanoTime() - rampStart) / 1e9;
        long failedConnects = 0;
        for (String c : connected) {
            failedConnects += Long.parseLong(c.split(" ")[3]);
        }
        say(String.format("ramp-up: %d sessions in %.1f s = %.0f connects/s, %d failed", total, rampSeconds,
            total / rampSeconds, failedConnects));
        nodeFigures("after ramp-up", false);
        // ---- idle hold
        final long holdEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(holdSeconds);
        long minLive = Long.MAX_VALUE;
        while (System.nanoTime() < holdEnd) {
            LockSupport.parkNanos(Math.min(TimeUnit.SECONDS.toNanos(30), Math.max(0, holdEnd - System.nanoTime())));
            final long[] s = status();
            minLive = Math.min(minLive, s[0]);
            say(String.format("  hold: %d live, %d sessions the server could not resume", s[0], s[4]));
        }
        nodeFigures("after the idle hold (after a full GC)", true);
        say("idle hold: lowest live sessions " + minLive + " of " + total + ", dropped " + (total - minLive));
        // ---- pushes from random nodes
        final List<String> ids = new ArrayList<>();
        for (Holder h : holders) {
            final Path file = out.resolve("ids-" + h.index + ".txt");
            h.ask("ids " + file);
            ids.addAll(Files.readAllLines(file));
        }
        all("pushlat");
        final long pushFailures = push(ids, 0, pushRounds, urls);
        awaitReceived((long) pushRounds * ids.size(), 120);
        final long[] afterPush = status();
        say(String.format("pushes: %d rounds x %d sessions from random nodes, %d not delivered, %d received, %d lost "
            + "(gaps), %d duplicated", pushRounds, ids.size(), pushFailures, afterPush[1], afterPush[2], afterPush[3]));
        sayLatency("  push latency (send to receipt)", all("pushlat"), 1);
        // ---- requests at a fixed rate
        sayLatency("requests at " + requestRate + "/s for " + requestSeconds + " s (from the intended send)",
            all("requests " + Math.max(1, requestRate / nodeCount) + " " + requestSeconds), 1);
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
        final double backSeconds = (System.nanoTime() - drainStart) / 1e9;
        say(String.format("reconnect storm: node 0 drained (exit %d) in %.1f s, its %d sessions handed to the others; "
            + "all %d live again after %.1f s", exit, drainSeconds, sessionsThere, status()[0], backSeconds));
        drained.start();
        drained.baseline();
        final List<String> others = urls.subList(1, urls.size());
        final long stormFailures = push(ids, pushRounds, 1, others);
        awaitReceived((long) (pushRounds + 1) * ids.size(), 120);
        final long[] afterStorm = status();
        say(String.format("  a push round after it: %d not delivered; in all %d received, %d lost, %d duplicated, "
            + "%d sessions not resumed", stormFailures, afterStorm[1], afterStorm[2], afterStorm[3], afterStorm[4]));
        sayLatency("  push latency (send to receipt)", all("pushlat"), 1);
        nodeFigures("after the storm", false);
        // ---- ramp-down
        final long downStart = System.nanoTime();
        all("close");
        say(String.format("ramp-down: %d sessions closed in %.1f s", total, (System.nanoTime() - downStart) / 1e9));
        final boolean ok = failedConnects == 0 && minLive == total && pushFailures == 0 && stormFailures == 0
            && afterStorm[2] == 0 && afterStorm[3] == 0 && afterStorm[4] == 0;
        say(ok ? "result: every session held, every push delivered once and in order" : "result: FAILURES above");
        return ok ? 0 : 1;
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

    /** The worst holder's percentiles (a holder cannot send its histogram): microseconds to ms. */
    private void sayLatency(String what, List<String> answers, int firstField) {
        long count = 0;
        final long[] worst = new long[4];
        for (String a : answers) {
            final String[] f = a.split(" ");
            final int at = f[0].equals("requests") ? 4 : 2;
            count += Long.parseLong(f[1]);
            for (int i = 0; i < 4; i++) {
                worst[i] = Math.max(worst[i], Long.parseLong(f[at + i]));
            }
            if (f[0].equals("requests") && Long.parseLong(f[2]) > 0) {
                say("  " + f[2] + " requests failed");
            }
        }
        say(String.format("%s: %d, worst holder p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms", what, count,
            worst[0] / 1e3, worst[1] / 1e3, worst[2] / 1e3, worst[3] / 1e3));
    }

    /** Each live node's sessions, heap and RSS (and per session, above its baseline), and CPU since the last call. */
    private void nodeFigures(String when, boolean gc) {
        say("  nodes " + when + ":");
        for (Node n : nodes) {
            if (n.process == null || !n.process.isAlive()) {
                continue;
            }
            final int sessions = n.sessions();
            final long heap = n.heapUsed(gc);
            final long rss = n.rssBytes();
            final double cpu = n.cpuSeconds();
            final double wall = (System.nanoTime() - n.cpuAtNanos) / 1e9;
            say(String.format("    node %d: %6d sessions, heap %s %6.1f MiB (%5.0f B/session), RSS %6.1f MiB "
                + "(%5.0f B/session), CPU %.1f s over the last %.0f s (%.0f%% of a core)", n.index, sessions,
                gc ? "after GC" : "used", heap / 1048576.0,
                sessions <= 0 ? 0.0 : (heap - n.baseHeap) / (double) sessions, rss / 1048576.0,
                sessions <= 0 ? 0.0 : (rss - n.baseRss) / (double) sessions, cpu - n.cpuAt, wall,
                100 * (cpu - n.cpuAt) / wall));
            n.cpuAt = cpu;
            n.cpuAtNanos = System.nanoTime();
        }
    }

    private List<String> all(String command) {
        final List<CompletableFuture<String>> answers = new ArrayList<>();
        for (Holder h : holders) {
            answers.add(CompletableFuture.supplyAsync(() -> h.ask(command), asking));
        }
        return answers.stream().map(CompletableFuture::join).toList();
    }

    // ---- processes

    private void startEtcd() throws Exception {
        final Path data = Files.createTempDirectory(out, "etcd-");
        final int client = freePort();
        final int peer = freePort();
        etcd = "http://127.0.0.1:" + client;
        final Process p = new ProcessBuilder("etcd", "--name", "scale", "--data-dir", data.toString(),
            "--listen-client-urls", etcd, "--advertise-client-urls", etcd,
            "--listen-peer-urls", "http://127.0.0.1:" + peer, "--initial-advertise-peer-urls",
            "http://127.0.0.1:" + peer, "--initial-cluster", "scale=http://127.0.0.1:" + peer, "--log-level", "warn")
            .redirectErrorStream(true).redirectOutput(out.resolve("etcd.log").toFile()).start();
        processes.add(p);
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

    /** The java command with the flags the jar's manifest gives it (Agrona, the loop carrier, no Unsafe warning). */
    private static List<String> jvm() {
        final List<String> command = new ArrayList<>(List.of(java(), "--add-exports",
            "java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 24) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        return command;
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private void stopAll() {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
        processes.clear();
    }

    /** A tether serve node. */
    private final class Node {
        final int index;
        int port;
        int admin;
        Process process;
        long baseHeap;
        long baseRss;
        double cpuAt;
        long cpuAtNanos = System.nanoTime();

        Node(int index) throws IOException {
            this.index = index;
            this.port = freePort();
            this.admin = freePort();
        }

        String url() {
            return "tcp://127.0.0.1:" + port;
        }

        /**
         * Starts the node. A restart takes new ports: with a hundred thousand client sockets on this machine, the
         * ports a stopped node freed are soon some client's local port.
         */
        void start() throws Exception {
            if (process != null) {
                port = freePort();
                admin = freePort();
            }
            final Path stdout = out.resolve("node-" + index + ".out");
            Files.writeString(stdout, "");
            final List<String> command = jvm();
            command.addAll(List.of("-Xms256m", "-cp", jar.toString(), "io.tether.cli.Main", "serve", "--listen", url(),
                "--cluster-listen", "tcp://127.0.0.1:0", "--cluster-name", "scale", "--etcd", etcd,
                "--node-name", "node" + index, "--io-threads", "1", "--stat-file", "off", "--stats-interval", "0s",
                "--admin-listen", "http://127.0.0.1:" + admin, "--drain-timeout", "120s",
                "--handshake-timeout", "60s", "--log-level", "warn"));
            process = new ProcessBuilder(command).redirectOutput(stdout.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(out.resolve("node-" + index + ".err").toFile()))
                .start();
            processes.add(process);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (Files.readAllLines(stdout).stream().noneMatch(l -> l.startsWith("tether serving"))) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("node " + index + " did not start");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }

        /** SIGTERM: drains, then exits. */
        int stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(180, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return -1;
            }
            processes.remove(process);
            return process.exitValue();
        }

        int sessions() {
            try {
                final String json = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + admin + "/sessions")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
                final int at = json.indexOf("\"count\":");
                return Integer.parseInt(json.substring(at + 8).split("[,}]")[0].trim());
            } catch (Exception e) {
                return -1;
            }
        }

        void baseline() {
            baseHeap = heapUsed(true);
            baseRss = rssBytes();
            cpuAt = cpuSeconds();
            cpuAtNanos = System.nanoTime();
        }

        long heapUsed(boolean gc) {
            try {
                if (gc) {
                    new ProcessBuilder(Path.of(java()).resolveSibling("jcmd").toString(), Long.toString(process.pid()),
                        "GC.run").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                        .waitFor();
                }
                final Process jcmd = new ProcessBuilder(Path.of(java()).resolveSibling("jcmd").toString(),
                    Long.toString(process.pid()), "GC.heap_info").redirectErrorStream(true).start();
                final String text = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                jcmd.waitFor();
                // "garbage-first heap   total reserved 6291456K, committed 262144K, used 23456K"
                final int at = text.indexOf("used ");
                return Long.parseLong(text.substring(at + 5).split("K")[0].trim()) * 1024;
            } catch (Exception e) {
                return -1;
            }
        }

        long rssBytes() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                    }
                }
            } catch (IOException e) {
                // gone
            }
            return -1;
        }

        double cpuSeconds() {
            return process.info().totalCpuDuration().map(d -> d.toMillis() / 1000.0).orElse(-1.0);
        }
    }

    /** A SessionHolder process and its command line. */
    private final class Holder {
        final int index;
        final Process process;
        final PrintWriter commands;
        final BufferedReader answers;

        Holder(int index, List<String> endpoints) throws IOException {
            this.index = index;
            final List<String> command = jvm();
            command.addAll(List.of("-cp", jar.toString(), SessionHolder.class.getName(), String.join(",", endpoints),
                "h" + index + "-"));
            this.process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(out.resolve("holder-" + index + ".err").toFile()))
                .start();
            processes.add(process);
            this.commands = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        synchronized String ask(String command) {
            commands.println(command);
            try {
                final String answer = answers.readLine();
                if (answer == null) {
                    throw new IllegalStateException("holder " + index + " exited");
                }
                return answer;
            } catch (IOException e) {
                throw new IllegalStateException("holder " + index + ": " + e.getMessage(), e);
            }
        }
    }
}
