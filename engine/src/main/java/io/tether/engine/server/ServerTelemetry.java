package io.tether.engine.server;

import io.tether.engine.config.TetherConfig;
import io.tether.engine.reactor.EventLoop;
import io.tether.telemetry.Counters;
import io.tether.telemetry.Metric;
import io.tether.telemetry.OtelExport;
import io.tether.telemetry.OtelTracing;
import io.tether.telemetry.StatFileDescriptor;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a server adds to its {@link Counters} for telemetry: the stat file it keeps them in, the gauges only the
 * server knows (sessions), and a lag probe on every loop. The readers (admin endpoint, exporters) never run on a
 * loop.
 */
final class ServerTelemetry {
    /** Servers in this process that took an automatic stat file name, so the second gets tether-PID-2.stat. */
    private static final AtomicInteger AUTO_FILES = new AtomicInteger();

    private ServerTelemetry() {
    }

    /** Counters where {@code stat-file} says: a memory-mapped file, or plain memory when it is off. */
    static Counters countersFor(TetherConfig config) {
        final int capacity = (config.effectiveIoThreads() + 3) * Metric.values().length + 64;
        final Counters counters = switch (config.statFile()) {
            case "off" -> new Counters(capacity);
            case "auto" -> Counters.mapped(autoFile(), capacity);
            default -> Counters.mapped(Path.of(config.statFile()), capacity);
        };
        return counters.recordLatencies(config.latencyHistograms());
    }

    private static Path autoFile() {
        final long pid = ProcessHandle.current().pid();
        final int n = AUTO_FILES.incrementAndGet();
        final Path file = StatFileDescriptor.defaultFile(pid);
        return n == 1 ? file : file.resolveSibling("tether-" + pid + "-" + n + ".stat");
    }

    /** Starts the OTLP export when otlp-endpoint is set (after {@link #start}, so it sees every gauge), else null. */
    static OtelExport export(TetherServer server) {
        final TetherConfig c = server.config();
        return c.otlpEndpoint().isEmpty() ? null
            : OtelExport.start(server.counters(), c.otlpEndpoint(), c.otlpProtocol(), c.otlpInterval(), "tether");
    }

    /** Traces when trace-sample-ratio is above 0 (validation then ensures an otlp-endpoint), else null. */
    static OtelTracing tracing(TetherConfig c) {
        return c.traceSampleRatio() > 0
            ? OtelTracing.start(c.otlpEndpoint(), c.otlpProtocol(), "tether") : null;
    }

    /** Registers the server's gauges (from any thread). */
    static void start(TetherServer server, Iterable<EventLoop> loops) {
        server.counters().gauge("sessions-active", "tether.server.active_sessions", "{session}",
            "Sessions alive now, attached or detached (resumable)", server::sessionCount);
        if (server.tls() != null) {
            server.counters().gauge("tls-certificate-expiry-seconds", "tether.tls.certificate.time_to_expiry", "s",
                "Time until the served TLS certificate expires", server.tls()::secondsToExpiry);
        }
    }
}
