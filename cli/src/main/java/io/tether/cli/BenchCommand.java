package io.tether.cli;

import io.tether.bench.BenchOptions;
import io.tether.bench.BenchResult;
import io.tether.bench.ChaosBench;
import io.tether.bench.LoadGenerator;
import io.tether.bench.StormBench;
import io.tether.bench.report.BenchReport;
import io.tether.bench.report.RunDescription;
import io.tether.engine.config.ListenAddress;
import io.tether.engine.config.Values;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/** {@code tether bench}: the load generator. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Drives a tether server with real sessions and reports responses/s and round-trip latency.",
        "Closed loop (--pipeline requests in flight per session) unless --rate is given (open loop)."})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--target", paramLabel = "URL", description = "Server to drive: tcp://HOST:PORT or "
        + "ws://HOST:PORT/PATH. Default: tcp://127.0.0.1:7000.")
    String target = "tcp://127.0.0.1:7000";

    @Option(names = "--sessions", description = "Concurrent sessions. Default: 100.")
    int sessions = 100;

    @Option(names = "--pipeline", description = "Requests in flight per session (closed loop); 0 holds idle "
        + "sessions. Default: 16.")
    int pipeline = 16;

    @Option(names = "--payload", paramLabel = "SIZE", description = "Payload bytes per request. Default: 64.")
    String payload = "64";

    @Option(names = "--duration", paramLabel = "DURATION", description = "Measured time. Default: 10s.")
    String duration = "10s";

    @Option(names = "--warmup", paramLabel = "DURATION", description = "Unmeasured time first. Default: 3s.")
    String warmup = "3s";

    @Option(names = "--rate", description = "Open loop: total requests/s, timed from the intended send time; each "
        + "bench loop paces its own sessions, and how late requests left is reported as send lag. Not with "
        + "--reconnect. Default: 0 (closed loop).")
    long rate;

    @Option(names = "--source-ips", paramLabel = "RANGE", description = "Local addresses to connect from, as "
        + "127.0.0.2-127.0.0.9 or a comma list (past ~25k sessions one address runs out of ports).")
    String sourceIps = "";

    @Option(names = "--method", description = "Method to call. Default: echo.")
    String method = "echo";

    @Option(names = "--io-threads", description = "Load generator event loops. Default: 1.")
    int ioThreads = 1;

    @Option(names = "--cert", paramLabel = "FILE", description = "Client certificate (PEM) for tls:// and wss://.")
    java.nio.file.Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "Private key (PEM) of --cert.")
    java.nio.file.Path key;

    @Option(names = "--ca", paramLabel = "FILE", description = "CA bundle (PEM) to trust for tls:// and wss://.")
    java.nio.file.Path ca;

    @Option(names = "--tls-provider", description = "jdk or bc. Default: jdk.")
    String tlsProvider = "jdk";

    @Option(names = "--reconnect", description = "Measure handshakes: every session reconnects as soon as its Welcome "
        + "arrives (TCP, TLS when the target has it, Hello/Welcome); reports handshakes/s and connect-to-Welcome "
        + "times.")
    boolean reconnect;

    @Option(names = "--tls-resume", description = "With --reconnect on tls:// or wss://: let each connection resume "
        + "the TLS session of the one before (TLS 1.3 session tickets), to measure resumed handshakes; the server "
        + "must run with --tls-resumption on. Without it every TLS handshake is a full one.")
    boolean tlsResume;

    @Option(names = "--chaos", paramLabel = "RATE", description = "Resume check: sessions send numbered messages to "
        + "each other (built-in send) while RATE random connections per second are cut with a TCP reset; reports "
        + "messages lost, duplicated and out of order (exit 3 unless all are 0). Uses --sessions and --pipeline.")
    double chaos;

    @Option(names = "--storm", description = "Reconnect storm: --sessions resuming sessions on --target receive "
        + "numbered pushes (--push-rate in all) while --control-sessions on --control-target make echo requests at "
        + "--control-rate; after --duration of quiet every storm session resets its connection at once and all come "
        + "back. Reports admitted connections/s, time until all are back, control p99 in the storm against the quiet "
        + "phase, pushes lost (exit 3 unless all came back resumed with none lost).")
    boolean storm;

    @Option(names = "--control-target", paramLabel = "URL", description = "With --storm: the second listener the "
        + "control group and the pushers use (not cut).")
    String controlTarget;

    @Option(names = "--control-sessions", description = "With --storm: control sessions. Default: 20.")
    int controlSessions = 20;

    @Option(names = "--control-rate", description = "With --storm: control requests/s in all, open loop. "
        + "Default: 1000.")
    double controlRate = 1000;

    @Option(names = "--push-rate", description = "With --storm: pushes/s to the storm sessions in all, round robin. "
        + "Default: 5000.")
    double pushRate = 5000;

    @Option(names = "--backoff", paramLabel = "BASE,CAP", description = "With --storm: the storm clients' reconnect "
        + "backoff (full jitter). Default: 100ms,2s.")
    String backoff = "100ms,2s";

    @Option(names = "--server-accept", paramLabel = "RATE,BURST", description = "With --storm: the server's "
        + "accept-rate and accept-burst, for the time they imply (0,0: no accept rate). Default: 2000,4000.")
    String serverAccept = "2000,4000";

    @Option(names = "--stat-file", paramLabel = "PATH", description = "With --storm or --report: the server's stat "
        + "file. --storm reads its connections-accepted, accepts-queued and refused-accept-rate counters; --report "
        + "plots its connections open, sessions active, requests/s and pushes/s over the run.")
    java.nio.file.Path statFile;

    @Option(names = "--report", paramLabel = "DIR", description = "Also write a self-contained HTML report of the "
        + "run, DIR/index.html: throughput, sessions, latency and connects over time, latency by percentile from the "
        + "intended and from the actual send time, the settings and the machine. Beside it DIR/summary.json (the "
        + "summary numbers) and DIR/latency.hlog (each interval's HdrHistogram, tagged intended and actual). Not "
        + "with --chaos or --storm.")
    java.nio.file.Path report;

    @Option(names = "--label", description = "With --storm: a name for the run in the JSON line.")
    String label = "";

    @Option(names = "--json", description = "Print only the JSON line at the end (no table, no progress).")
    boolean jsonOnly;

    @Override
    public Integer call() throws Exception {
        final BenchOptions options;
        try {
            final ListenAddress t = ListenAddress.parse(target);
            options = new BenchOptions(t, sessions, pipeline,
                Math.toIntExact(Values.parseSize(payload)), Values.parseDuration(duration),
                Values.parseDuration(warmup), rate, parseSources(sourceIps), method, ioThreads,
                t.isTls() ? new io.tether.tls.TlsClientSettings(cert, key, null, ca,
                    io.tether.tls.TlsProvider.fromFlag(tlsProvider), null) : null, reconnect, tlsResume);
        } catch (IllegalArgumentException | UnknownHostException | ArithmeticException e) {
            System.err.println("tether bench: " + e.getMessage());
            return 2;
        }
        if (report != null && (chaos > 0 || storm)) {
            System.err.println("tether bench: --report is for the load generator, not with --chaos or --storm");
            return 2;
        }
        if (chaos > 0) {
            return chaos(options);
        }
        if (storm) {
            return storm(options);
        }
        final BenchReport out;
        try {
            out = report == null ? null : BenchReport.open(report, options, statFile);
        } catch (java.io.IOException e) {
            System.err.println("tether bench: --report " + report + ": " + e.getMessage());
            return 2;
        }
        try (out) {
            final BenchResult r;
            try {
                r = LoadGenerator.run(options, this::progress, out == null ? interval -> { } : out.intervals());
            } catch (java.io.IOException e) {
                System.err.println("tether bench: " + e.getMessage());
                return 1;
            }
            if (!jsonOnly) {
                printTable(options, r);
            }
            final boolean reported = out == null || writeReport(out, r);
            System.out.println(json(options, r));
            return r.mismatches() > 0 || r.errors() > 0 ? 3 : reported ? 0 : 1;
        }
    }

    /** Writes the report of the finished run, and says where (or why it could not). */
    private boolean writeReport(BenchReport out, BenchResult r) {
        try {
            final java.nio.file.Path page = out.write(r, description());
            if (!jsonOnly) {
                System.out.printf("  %-22s %s%n", "report", page);
            }
            return true;
        } catch (java.io.IOException e) {
            System.err.println("tether bench: could not write the report in " + report + ": " + e.getMessage());
            return false;
        }
    }

    /** Every option of this command with its value, for the report's settings. */
    private RunDescription description() {
        final ParseResult parsed = spec.commandLine().getParseResult();
        final List<RunDescription.Setting> settings = new ArrayList<>();
        for (OptionSpec o : spec.options()) {
            if (o.usageHelp() || o.versionHelp()) {
                continue;
            }
            final Object value = o.getValue();
            final String text = value == null || value.toString().isEmpty() ? "(none)" : value.toString();
            settings.add(new RunDescription.Setting(o.longestName(), text, parsed.hasMatchedOption(o)));
        }
        return new RunDescription(String.join(" ", spec.root().version()), settings);
    }

    private int chaos(BenchOptions o) throws InterruptedException {
        final ChaosBench.Result r;
        try {
            r = ChaosBench.run(o.target(), o.tls(), o.sessions(), Math.max(1, o.pipeline()), o.duration(), chaos,
                this::progress);
        } catch (java.io.IOException | IllegalArgumentException e) {
            System.err.println("tether bench: " + e.getMessage());
            return 1;
        }
        if (!jsonOnly) {
            System.out.println();
            System.out.printf("  %-22s %s, %d sessions, pipeline %d, %.1f s%n", "target", o.target(), r.sessions(),
                Math.max(1, o.pipeline()), r.seconds());
            System.out.printf("  %-22s %,d (%,d resumes, %d sessions lost)%n", "connections cut", r.cuts(),
                r.resumes(), r.sessionsLost());
            System.out.printf("  %-22s %,d sent, %,d received%n", "messages", r.sent(), r.received());
            System.out.printf("  %-22s %d lost, %d duplicated, %d out of order, %d failed requests%n", "checks",
                r.lost(), r.duplicated(), r.outOfOrder(), r.failedRequests());
            if (r.firstFailure() != null) {
                System.out.printf("  %-22s %s%n", "first failure", r.firstFailure());
            }
        }
        System.out.println(String.format(Locale.ROOT, "{\"target\":\"%s\",\"mode\":\"chaos\",\"sessions\":%d,"
                + "\"seconds\":%.3f,\"cuts\":%d,\"resumes\":%d,\"sessions_lost\":%d,\"sent\":%d,\"received\":%d,"
                + "\"lost\":%d,\"duplicated\":%d,\"out_of_order\":%d,\"failed_requests\":%d}",
            o.target(), r.sessions(), r.seconds(), r.cuts(), r.resumes(), r.sessionsLost(), r.sent(), r.received(),
            r.lost(), r.duplicated(), r.outOfOrder(), r.failedRequests()));
        return r.clean() ? 0 : 3;
    }

    private int storm(BenchOptions o) throws InterruptedException {
        final StormBench.Options so;
        try {
            if (controlTarget == null) {
                throw new IllegalArgumentException("--storm needs --control-target");
            }
            final String[] b = backoff.split(",");
            final String[] a = serverAccept.split(",");
            if (b.length != 2 || a.length != 2) {
                throw new IllegalArgumentException("--backoff is BASE,CAP and --server-accept is RATE,BURST");
            }
            so = new StormBench.Options(o.target(), ListenAddress.parse(controlTarget), o.sessions(), controlSessions,
                controlRate, pushRate, o.duration(), Values.parseDuration(b[0].trim()),
                Values.parseDuration(b[1].trim()), Integer.parseInt(a[0].trim()), Integer.parseInt(a[1].trim()),
                java.time.Duration.ofMinutes(2));
        } catch (IllegalArgumentException e) {
            System.err.println("tether bench: " + e.getMessage());
            return 2;
        }
        final StormBench.Result r;
        try {
            final io.tether.telemetry.StatFileReader stats = statFile == null ? null
                : io.tether.telemetry.StatFileReader.open(statFile);
            r = StormBench.run(so, stats == null ? null : m -> stats.read().counters().getOrDefault(m.label(), 0L),
                this::progress);
        } catch (java.io.IOException e) {
            System.err.println("tether bench: " + e.getMessage());
            return 1;
        }
        if (!jsonOnly) {
            System.out.println();
            System.out.println(r.summary());
        }
        System.out.println(String.format(Locale.ROOT, "{\"label\":\"%s\",\"target\":\"%s\",\"mode\":\"storm\","
                + "\"sessions\":%d,\"accept_rate\":%d,\"accept_burst\":%d,\"back\":%d,\"resumed\":%d,"
                + "\"sessions_lost\":%d,\"cut_ms\":%.1f,\"back_p50_s\":%.3f,\"back_p99_s\":%.3f,\"all_back_s\":%.3f,"
                + "\"implied_s\":%.3f,\"bound_s\":%.3f,\"server_rate\":%.1f,\"client_rate\":%.1f,"
                + "\"server_accepted\":%d,\"accepts_queued\":%d,\"refused_accept_rate\":%d,\"shed_pauses\":%d,"
                + "\"per_second\":%s,\"server_per_second\":%s,"
                + "\"quiet_p50_us\":%.0f,\"quiet_p99_us\":%.0f,\"quiet_requests\":%d,\"storm_p50_us\":%.0f,"
                + "\"storm_p99_us\":%.0f,\"storm_max_us\":%d,\"storm_requests\":%d,\"control_failed\":%d,"
                + "\"pushes_sent\":%d,\"pushes_received\":%d,\"pushes_lost\":%d,\"duplicated\":%d,"
                + "\"out_of_order\":%d,\"pushes_failed\":%d}",
            label, o.target(), r.sessions(), so.acceptRate(), so.acceptBurst(), r.back(), r.resumed(),
            r.sessionsLost(), r.cutSeconds() * 1000, r.p50BackSeconds(), r.p99BackSeconds(), r.allBackSeconds(),
            r.impliedSeconds(), r.boundSeconds(), r.serverRate(), r.clientRate(), r.serverAccepted(),
            r.acceptsQueued(), r.refusedAcceptRate(), r.shedPauses(), java.util.Arrays.toString(r.perSecond()).replace(" ", ""),
            java.util.Arrays.toString(r.serverPerSecond()).replace(" ", ""),
            percentile(r.quiet(), 50), r.quietP99Micros(), r.quiet().getTotalCount(), percentile(r.storm(), 50),
            r.stormP99Micros(), r.storm().getTotalCount() == 0 ? 0 : r.storm().getMaxValue(),
            r.storm().getTotalCount(), r.controlFailed(), r.pushesSent(), r.pushesReceived(), r.pushesLost(),
            r.duplicated(), r.outOfOrder(), r.pushesFailed()));
        return r.allBack() && r.resumed() == r.sessions() && r.pushesLost() == 0 && r.duplicated() == 0
            && r.outOfOrder() == 0 ? 0 : 3;
    }

    /** A progress line, unless only the JSON line is wanted. */
    private void progress(String line) {
        if (!jsonOnly) {
            System.out.println(line);
        }
    }

    private static double percentile(org.HdrHistogram.Histogram h, double p) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(p);
    }

    private static void printTable(BenchOptions o, BenchResult r) {
        System.out.println();
        System.out.printf("  %-22s %s%n", "target", o.target());
        System.out.printf("  %-22s %d (%d failed), pipeline %d, payload %d B, %s%n", "sessions",
            r.connectedSessions(), r.failedSessions(), o.pipeline(), o.payloadBytes(),
            o.rate() > 0 ? "open loop at " + o.rate() + " req/s" : "closed loop");
        final String unit = o.reconnect() ? "handshakes" : "responses";
        System.out.printf("  %-22s %,.0f%n", unit + "/s", r.responsesPerSecond());
        System.out.printf("  %-22s %,d in %.1f s%n", unit, r.responses(), r.seconds());
        System.out.printf("  %-22s p50 %s  p99 %s  p99.9 %s  max %s%n", o.reconnect() ? "connect to Welcome" : "round trip",
            LoadGenerator.micros(r.percentileMicros(50)), LoadGenerator.micros(r.percentileMicros(99)),
            LoadGenerator.micros(r.percentileMicros(99.9)), LoadGenerator.micros(r.maxMicros()));
        if (o.rate() > 0) {
            System.out.printf("  %-22s %,d sent, late by p50 %s  p99 %s  p99.9 %s (included above)%n", "pacing",
                r.sent(), LoadGenerator.micros(r.sendLagPercentileMicros(50)),
                LoadGenerator.micros(r.sendLagPercentileMicros(99)),
                LoadGenerator.micros(r.sendLagPercentileMicros(99.9)));
        }
        System.out.printf("  %-22s %d errors, %d payload mismatches%n", "checks", r.errors(), r.mismatches());
    }

    static String json(BenchOptions o, BenchResult r) {
        return String.format(Locale.ROOT, "{\"target\":\"%s\",\"mode\":\"%s\",\"sessions\":%d,\"connected\":%d,\"failed\":%d,"
                + "\"pipeline\":%d,\"payload\":%d,\"rate\":%d,\"seconds\":%.3f,\"responses\":%d,"
                + "\"responses_per_sec\":%.1f,\"p50_us\":%.0f,\"p99_us\":%.0f,\"p999_us\":%.0f,\"max_us\":%d,"
                + "\"errors\":%d,\"mismatches\":%d,\"sent\":%d,\"send_lag_p50_us\":%.0f,\"send_lag_p99_us\":%.0f}",
            o.target().toString(), o.reconnect() ? "handshakes" : "requests", o.sessions(), r.connectedSessions(),
            r.failedSessions(), o.pipeline(), o.payloadBytes(), o.rate(), r.seconds(), r.responses(),
            r.responsesPerSecond(), r.percentileMicros(50), r.percentileMicros(99), r.percentileMicros(99.9),
            r.maxMicros(), r.errors(), r.mismatches(), r.sent(), r.sendLagPercentileMicros(50),
            r.sendLagPercentileMicros(99));
    }

    static List<InetAddress> parseSources(String text) throws UnknownHostException {
        final List<InetAddress> out = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String part : text.split(",")) {
            final String p = part.trim();
            final int dash = p.indexOf('-');
            if (dash < 0) {
                out.add(InetAddress.getByName(p));
                continue;
            }
            final byte[] from = InetAddress.getByName(p.substring(0, dash)).getAddress();
            final byte[] to = InetAddress.getByName(p.substring(dash + 1)).getAddress();
            if (from.length != 4 || to.length != 4) {
                throw new IllegalArgumentException("--source-ips ranges are IPv4 only: " + p);
            }
            final long a = Integer.toUnsignedLong(java.nio.ByteBuffer.wrap(from).getInt());
            final long b = Integer.toUnsignedLong(java.nio.ByteBuffer.wrap(to).getInt());
            if (b < a || b - a > 1024) {
                throw new IllegalArgumentException("--source-ips range " + p + " is reversed or too large");
            }
            for (long x = a; x <= b; x++) {
                out.add(InetAddress.getByAddress(java.nio.ByteBuffer.allocate(4).putInt((int) x).array()));
            }
        }
        return out;
    }
}
