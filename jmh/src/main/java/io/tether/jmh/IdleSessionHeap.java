package io.tether.jmh;

import io.tether.bench.BenchOptions;
import io.tether.bench.LoadGenerator;
import io.tether.engine.config.ConfigBinder;
import io.tether.engine.config.ListenAddress;
import io.tether.engine.server.TetherServer;
import io.tether.tls.CertificateIssuer;
import io.tether.tls.TlsClientSettings;
import io.tether.tls.TlsProvider;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Heap and CPU per idle session, everything counted (the JDK's socket and selection-key objects too): a server in
 * this JVM, N idle sessions from a second JVM (tether's load generator with no requests in flight, which answers
 * heartbeat pings), heap used after full GCs before and after, divided by N; then the server's CPU time over a
 * quiet period with the given heartbeat interval.
 *
 * <pre>
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp jmh/target/benchmarks.jar \
 *     io.tether.jmh.IdleSessionHeap 10000 tcp 5s 30s
 * </pre>
 * Arguments: sessions, transport (tcp, ws, tls or wss: mutual TLS with certificates made for the run), heartbeat
 * interval, CPU measuring period, and for tls and wss the TLS provider of both sides (jdk or bc; default jdk) and the
 * server's {@code tls-resumption} (on or off; default off, as {@code tether serve}).
 */
public final class IdleSessionHeap {
    private IdleSessionHeap() {
    }

    public static void main(String[] args) throws Exception {
        final int sessions = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        final String transport = args.length > 1 ? args[1] : "tcp";
        final String heartbeat = args.length > 2 ? args[2] : "30s";
        final Duration cpuPeriod = io.tether.engine.config.Values.parseDuration(args.length > 3 ? args[3] : "30s");
        final String provider = args.length > 4 ? TlsProvider.fromFlag(args[4]).flagValue() : "jdk";
        final String resumption = args.length > 5 ? args[5] : "off";
        final boolean ws = transport.startsWith("ws");
        final String path = ws ? "/tether" : "";
        final Map<String, List<String>> settings = new java.util.HashMap<>(Map.of(
            "listen", List.of(transport + "://127.0.0.1:0" + path), "stats-interval", List.of("0"),
            "heartbeat-interval", List.of(heartbeat)));
        final Path certs = Files.createTempDirectory("tether-idle-certs");
        if (transport.equals("tls") || transport.equals("wss")) {
            CertificateIssuer.writeCertificateSet(certs, List.of(), List.of("idle"), Duration.ofDays(1));
            settings.put("tls-cert", List.of(certs.resolve("server.pem").toString()));
            settings.put("tls-key", List.of(certs.resolve("server.key").toString()));
            settings.put("tls-ca", List.of(certs.resolve("ca.pem").toString()));
            settings.put("tls-provider", List.of(provider));
            settings.put("tls-resumption", List.of(resumption));
            // Thousands of sessions arrive at once; a mutual TLS handshake costs milliseconds of CPU on both sides.
            settings.put("handshake-timeout", List.of("10m"));
        }
        final TetherServer server = TetherServer.builder().config(ConfigBinder.bind(settings)).start();
        final int port = server.boundAddresses().get(0).getPort();
        final String target = transport + "://127.0.0.1:" + port + path;
        final long before = settledHeap();
        final Process clients = new ProcessBuilder(javaBin(), "-cp", System.getProperty("java.class.path"),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", IdleClients.class.getName(), target,
            Integer.toString(sessions), Long.toString(cpuPeriod.toSeconds() + 120), certs.toString(), provider)
            .redirectError(ProcessBuilder.Redirect.INHERIT).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        final long deadline = System.nanoTime() + 600_000_000_000L;
        while (server.sessionCount() < sessions) {
            if (System.nanoTime() > deadline || !clients.isAlive()) {
                clients.destroy();
                server.shutdown(Duration.ofSeconds(1));
                throw new IllegalStateException("only " + server.sessionCount() + " sessions arrived");
            }
            Thread.sleep(50); // a benchmark harness waiting on another process, not a test
        }
        final long after = settledHeap();
        // A mark for tools that inspect the settled heap (jcmd GC.class_histogram) while the CPU is measured.
        System.out.println("settled: " + sessions + " sessions");
        final var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        final long cpuStart = os.getProcessCpuTime();
        final long wallStart = System.nanoTime();
        Thread.sleep(cpuPeriod.toMillis());
        final double cpuSeconds = (os.getProcessCpuTime() - cpuStart) / 1e9;
        final double wallSeconds = (System.nanoTime() - wallStart) / 1e9;
        System.out.printf("transport: %s%s, idle sessions: %d, heartbeat %s%n", transport,
            settings.containsKey("tls-provider") ? " (" + provider + ", resumption " + resumption + ")" : "",
            sessions, heartbeat);
        System.out.printf("heap before: %,d B, after: %,d B, per session: %.0f B%n", before, after,
            (after - before) / (double) sessions);
        System.out.printf("server CPU over %.0f s: %.3f s = %.2f%% of one core; sessions still open: %d%n",
            wallSeconds, cpuSeconds, 100 * cpuSeconds / wallSeconds, server.sessionCount());
        clients.destroy();
        clients.waitFor();
        server.shutdown(Duration.ofSeconds(1));
        System.exit(0);
    }

    private static long settledHeap() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(200);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    private static String javaBin() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** The client side: tether's load generator holding N idle sessions (it answers heartbeat pings). */
    public static final class IdleClients {
        private IdleClients() {
        }

        public static void main(String[] args) throws Exception {
            final ListenAddress target = ListenAddress.parse(args[0]);
            final Path certs = Path.of(args[3]);
            final TlsClientSettings tls = target.isTls() ? TlsClientSettings.mutual(certs.resolve("idle.pem"),
                certs.resolve("idle.key"), certs.resolve("ca.pem")).withProvider(TlsProvider.fromFlag(args[4])) : null;
            final BenchOptions options = new BenchOptions(target, Integer.parseInt(args[1]), 0,
                64, Duration.ofSeconds(Long.parseLong(args[2])), Duration.ZERO, 0, List.of(), "echo", 1, tls, false);
            LoadGenerator.run(options, line -> { });
        }
    }
}
