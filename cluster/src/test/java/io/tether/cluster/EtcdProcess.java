package io.tether.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A real etcd (Debian's etcd-server, which scripts/setup-peers installs) for one test: ephemeral loopback ports, a
 * temporary data directory, stopped and deleted on close. It listens for clients on two ports: the server under
 * test is given {@link #endpoint()}, and the test itself talks through {@link #backdoor()}, so a test can take etcd
 * away from the server ({@link #restartBackdoorOnly()}) while it goes on changing keys.
 */
public final class EtcdProcess implements AutoCloseable {
    private final Path dataDir;
    private final int clientPort;
    private final int backdoorPort;
    private final int peerPort;
    private final Path log;
    private Process process;

    private EtcdProcess() throws IOException {
        this.dataDir = Files.createTempDirectory("tether-etcd-");
        this.log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        final int[] ports = freePorts(3);
        this.clientPort = ports[0];
        this.backdoorPort = ports[1];
        this.peerPort = ports[2];
    }

    /** Starts etcd and waits until it answers /health; fails (never skips) when etcd is not installed. */
    public static EtcdProcess start() throws IOException {
        final EtcdProcess etcd = new EtcdProcess();
        etcd.launch(true);
        return etcd;
    }

    public static Path binary() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            final Path p = Path.of(dir, "etcd");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        if (Files.isExecutable(Path.of("/usr/bin/etcd"))) {
            return Path.of("/usr/bin/etcd");
        }
        throw new AssertionError("etcd is not installed: run scripts/setup-peers (Debian's etcd-server)");
    }

    /** The URL the server under test uses. */
    public String endpoint() {
        return "http://127.0.0.1:" + clientPort;
    }

    /** The URL only the test uses. */
    public String backdoor() {
        return "http://127.0.0.1:" + backdoorPort;
    }

    /** Stops etcd (SIGTERM, then waits). */
    public void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Restarts etcd on the same data, reachable by the test only: for the server, etcd stays down. */
    public void restartBackdoorOnly() throws IOException {
        stop();
        launch(false);
    }

    /** Restarts etcd on the same data on both ports. */
    public void restart() throws IOException {
        stop();
        launch(true);
    }

    private void launch(boolean both) throws IOException {
        final String clients = (both ? endpoint() + "," : "") + backdoor();
        final List<String> cmd = new ArrayList<>(List.of(binary().toString(),
            "--name", "test",
            "--data-dir", dataDir.toString(),
            "--listen-client-urls", clients,
            "--advertise-client-urls", backdoor(),
            "--listen-peer-urls", "http://127.0.0.1:" + peerPort,
            "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPort,
            "--initial-cluster", "test=http://127.0.0.1:" + peerPort,
            "--log-level", "warn"));
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            if (!process.isAlive()) {
                throw new AssertionError("etcd exited with " + process.exitValue() + ": " + Files.readString(log));
            }
            try {
                final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(backdoor() + "/health"))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"true\"")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("etcd not healthy after 20 s: " + Files.readString(log));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            Files.deleteIfExists(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int[] freePorts(int n) throws IOException {
        final ServerSocket[] sockets = new ServerSocket[n];
        final int[] ports = new int[n];
        try {
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                ports[i] = sockets[i].getLocalPort();
            }
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    s.close();
                }
            }
        }
        return ports;
    }
}
