package io.tether.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@code tether serve} cluster node in a child JVM, on client and admin ports the test picked; its stdout and
 * stderr go to files the test reads.
 */
final class NodeProcess implements AutoCloseable {
    final int port;
    final int adminPort;
    private final String[] args;
    private final Path out;
    private final Path err;
    private Process process;

    NodeProcess(String etcd, String cluster, String name, String... more) throws IOException {
        this.port = freePort();
        this.adminPort = freePort();
        final List<String> a = new ArrayList<>(List.of("serve", "--listen", "tcp://127.0.0.1:" + port,
            "--cluster-listen", "tcp://127.0.0.1:0", "--cluster-name", cluster, "--etcd", etcd, "--node-name", name,
            "--io-threads", "1", "--stat-file", "off", "--stats-interval", "0s", "--shutdown-grace", "2s",
            "--admin-listen", "http://127.0.0.1:" + adminPort));
        a.addAll(List.of(more));
        this.args = a.toArray(String[]::new);
        this.out = Files.createTempFile("tether-node-" + name + "-", ".out");
        this.err = Files.createTempFile("tether-node-" + name + "-", ".err");
    }

    String url() {
        return "tcp://127.0.0.1:" + port;
    }

    /** Starts the node (its output files start empty) and waits until it serves. */
    NodeProcess start() throws IOException {
        Files.writeString(out, "");
        process = CliProcesses.tether(ProcessBuilder.Redirect.to(out.toFile()), ProcessBuilder.Redirect.to(err.toFile()),
            args);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (output().stream().noneMatch(l -> l.startsWith("tether serving"))) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("node did not start: " + output() + "\n" + log());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        return this;
    }

    /** SIGTERM: the node drains, then exits; waits for that. @return its exit code */
    int stop() throws InterruptedException {
        process.destroy();
        return awaitExit();
    }

    /** Waits for the process to exit (after a drain asked through the admin endpoint). @return its exit code */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("node did not stop: " + output());
        }
        return process.exitValue();
    }

    /** SIGKILL: gone at once, nothing handed over. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** Its stdout since it last started. */
    List<String> output() {
        try {
            return Files.readAllLines(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("cannot read the node's output", e);
        }
    }

    /** Its stderr (the log), for a failure's message. */
    String log() {
        try {
            return Files.readString(err);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws IOException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
    }
}
