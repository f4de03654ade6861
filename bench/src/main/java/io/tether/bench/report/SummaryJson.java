package io.tether.bench.report;

import io.tether.bench.BenchOptions;
import io.tether.bench.BenchResult;
import java.util.LinkedHashMap;
import java.util.Map;

/** summary.json: the run's summary numbers, for scripts that compare runs (latencies in microseconds). */
final class SummaryJson {
    private SummaryJson() {
    }

    static String of(BenchOptions o, BenchResult r, ReportData data, RunDescription description) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("tether", description.version());
        m.put("started", data.startedAt().toString());
        m.put("target", o.target().toString());
        m.put("mode", mode(o));
        m.put("loop", o.rate() > 0 ? "open" : "closed");
        m.put("rate", o.rate());
        m.put("sessions", o.sessions());
        m.put("connected", r.connectedSessions());
        m.put("failed_sessions", r.failedSessions());
        m.put("pipeline", o.pipeline());
        m.put("payload", o.payloadBytes());
        m.put("warmup_s", o.warmup().toMillis() / 1e3);
        m.put("seconds", r.seconds());
        m.put("responses", r.responses());
        m.put("responses_per_sec", r.responsesPerSecond());
        m.put("errors", r.errors());
        m.put("mismatches", r.mismatches());
        m.put("sent", r.sent());
        final Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("intended", latency(LatencySummary.of(r.latencyMicros())));
        latency.put("actual", latency(LatencySummary.of(r.actualLatencyMicros())));
        latency.put("send_lag", latency(LatencySummary.of(r.sendLagMicros())));
        m.put("latency_us", latency);
        m.put("intended_and_actual_coincide", r.actualLatencyMicros() == r.latencyMicros());
        m.put("intervals", data.measuredRows().size());
        final Map<String, Object> server = new LinkedHashMap<>();
        server.put("source", data.serverSource());
        server.put("note", data.serverNote());
        m.put("server", server);
        final Map<String, Object> files = new LinkedHashMap<>();
        files.put("report", BenchReport.PAGE);
        files.put("latency_log", BenchReport.LOG);
        m.put("files", files);
        return Json.write(m);
    }

    /** What the run measured: requests, handshakes, or nothing (idle sessions). */
    static String mode(BenchOptions o) {
        return o.reconnect() ? "handshakes" : o.idle() ? "idle" : "requests";
    }

    private static Map<String, Object> latency(LatencySummary s) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", s.count());
        m.put("mean", s.mean());
        m.put("p50", s.p50());
        m.put("p90", s.p90());
        m.put("p99", s.p99());
        m.put("p999", s.p999());
        m.put("p9999", s.p9999());
        m.put("max", s.max());
        return m;
    }
}
