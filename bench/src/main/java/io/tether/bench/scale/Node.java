package io.tether.bench.scale;

import io.tether.bench.report.ScaleReport;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@code tether serve} node of a scale run, and what it is measured by: its session count (from its admin
 * endpoint), heap (jcmd), RSS and CPU time. Its process and admin port change on a restart, and a {@link Sampler}
 * reads them from another thread.
 */
final class Node {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final int index;
    private final Path jar;
    private final Path out;
    private final String etcd;
    private final Processes processes;
    private volatile int port;
    private volatile int admin;
    private volatile Process process;
    private long baseHeap;
    private long baseRss;
    private double cpuAt;
    private long cpuAtNanos = System.nanoTime();

    Node(int index, Path jar, Path out, String etcd, Processes processes) throws IOException {
        this.index = index;
        this.jar = jar;
        this.out = out;
        this.etcd = etcd;
        this.processes = processes;
        this.port = Processes.freePort();
        this.admin = Processes.freePort();
    }

    String url() {
        return "tcp://127.0.0.1:" + port;
    }

    /** The node's process while it runs, else null. */
    Process process() {
        final Process p = process;
        return p != null && p.isAlive() ? p : null;
    }

    /**
     * Starts the node. A restart takes new ports: with a hundred thousand client sockets on this machine, the
     * ports a stopped node freed are soon some client's local port.
     */
    void start() throws Exception {
        if (process != null) {
            port = Processes.freePort();
            admin = Processes.freePort();
        }
        final Path stdout = out.resolve("node-" + index + ".out");
        Files.writeString(stdout, "");
        final List<String> command = Processes.jvm();
        command.addAll(List.of("-Xms256m", "-cp", jar.toString(), "io.tether.cli.Main", "serve", "--listen", url(),
            "--cluster-listen", "tcp://127.0.0.1:0", "--cluster-name", "scale", "--etcd", etcd,
            "--node-name", "node" + index, "--io-threads", "1", "--stat-file", "off", "--stats-interval", "0s",
            "--admin-listen", "http://127.0.0.1:" + admin, "--drain-timeout", "120s",
            "--handshake-timeout", "60s", "--log-level", "warn"));
        final Process started = processes.start(new ProcessBuilder(command).redirectOutput(stdout.toFile())
            .redirectError(ProcessBuilder.Redirect.appendTo(out.resolve("node-" + index + ".err").toFile())));
        process = started;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (Files.readAllLines(stdout).stream().noneMatch(l -> l.startsWith("tether serving"))) {
            if (!started.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("node " + index + " did not start");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /** SIGTERM: drains, then exits. */
    int stop() throws InterruptedException {
        final Process p = process;
        p.destroy();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        processes.forget(p);
        return p.exitValue();
    }

    /** The node's session count, from its admin endpoint; -1 when it does not answer. */
    int sessions() {
        try {
            final String json = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + admin + "/sessions?top=1")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
            final int at = json.indexOf("\"count\":");
            return Integer.parseInt(json.substring(at + 8).split("[,}]")[0].trim());
        } catch (Exception e) {
            return -1;
        }
    }

    /** What the figures subtract: heap after a GC and RSS before any session; CPU counts from here. */
    void baseline() {
        baseHeap = heapUsed(true);
        baseRss = rssBytes();
        cpuAt = cpuSeconds();
        cpuAtNanos = System.nanoTime();
    }

    /** Sessions, heap (after a GC when {@code gc}), RSS, and CPU since the last figures or baseline. */
    ScaleReport.NodeFigures figures(String when, boolean gc) {
        final int sessions = sessions();
        final long heap = heapUsed(gc);
        final long rss = rssBytes();
        final double cpu = cpuSeconds();
        final long now = System.nanoTime();
        final ScaleReport.NodeFigures f = new ScaleReport.NodeFigures(when, index, sessions, heap, gc, baseHeap, rss,
            baseRss, cpu - cpuAt, (now - cpuAtNanos) / 1e9);
        cpuAt = cpu;
        cpuAtNanos = now;
        return f;
    }

    private long heapUsed(boolean gc) {
        try {
            final String jcmd = Path.of(Processes.java()).resolveSibling("jcmd").toString();
            if (gc) {
                new ProcessBuilder(jcmd, Long.toString(process.pid()), "GC.run").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            }
            final Process info = new ProcessBuilder(jcmd, Long.toString(process.pid()), "GC.heap_info")
                .redirectErrorStream(true).start();
            final String text = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            info.waitFor();
            // "garbage-first heap   total reserved 6291456K, committed 262144K, used 23456K"
            final int at = text.indexOf("used ");
            return Long.parseLong(text.substring(at + 5).split("K")[0].trim()) * 1024;
        } catch (Exception e) {
            return -1;
        }
    }

    /** The process's resident set, from /proc; -1 when it is gone. */
    static long rssBytes(Process p) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException e) {
            // gone
        }
        return -1;
    }

    /** The process's CPU time so far in seconds; -1 when it is not known. */
    static double cpuSeconds(Process p) {
        return p.info().totalCpuDuration().map(d -> d.toMillis() / 1000.0).orElse(-1.0);
    }

    private long rssBytes() {
        return rssBytes(process);
    }

    private double cpuSeconds() {
        return cpuSeconds(process);
    }
}
