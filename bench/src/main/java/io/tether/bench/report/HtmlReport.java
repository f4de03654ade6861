package io.tether.bench.report;

import io.tether.bench.BenchOptions;
import io.tether.bench.BenchResult;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * index.html: one self-contained page. Inline CSS and inline SVG only; nothing is fetched and no script runs, which
 * its Content-Security-Policy promises. The markup is well-formed XML (every element closed, only XML's own
 * entities), so any XML parser reads it. Sections: the summary, plots over time, the latency spectrum, the
 * server's counters, the settings and the machine.
 */
final class HtmlReport {
    static final String CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z", Locale.ROOT)
        .withZone(ZoneId.systemDefault());
    private static final String STYLE = String.join("\n",
        "body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0; color: #1d2330;",
        "  background: #f4f5f8; }",
        "header { background: #1d2330; color: #ffffff; padding: 18px 28px; }",
        "header h1 { margin: 0; font-size: 20px; font-weight: 600; }",
        "header p { margin: 4px 0 0; color: #b9c0cc; }",
        "main { padding: 4px 28px 28px; max-width: 1340px; }",
        "h2 { font-size: 16px; margin: 26px 0 10px; }",
        ".cards { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 14px; }",
        ".card { background: #ffffff; border: 1px solid #dde1e7; border-radius: 6px; padding: 8px 14px;",
        "  min-width: 150px; }",
        ".card span { color: #555e6e; font-size: 12px; }",
        ".card b { display: block; font-size: 20px; font-weight: 600; }",
        ".card.bad b { color: #c0392b; }",
        "table { border-collapse: collapse; background: #ffffff; border: 1px solid #dde1e7; }",
        "th, td { padding: 5px 12px; border-bottom: 1px solid #eceff3; text-align: left; vertical-align: top; }",
        "th { font-weight: 600; background: #f8f9fb; }",
        "td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }",
        "td.default { color: #8a93a3; }",
        ".plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); gap: 14px; }",
        "figure { margin: 0; background: #ffffff; border: 1px solid #dde1e7; border-radius: 6px; padding: 6px; }",
        "svg.plot { width: 100%; height: auto; display: block; }",
        ".note { color: #555e6e; max-width: 980px; }",
        ".columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 0 28px;",
        "  align-items: start; }",
        ".columns table { width: 100%; }",
        "td { overflow-wrap: anywhere; }",
        "code { font-family: ui-monospace, 'SFMono-Regular', Menlo, monospace; font-size: 13px; }");

    private final BenchOptions options;
    private final BenchResult result;
    private final ReportData data;
    private final RunDescription description;
    private final Machine machine;
    private final StringBuilder sb = new StringBuilder(64 * 1024);

    private HtmlReport(BenchOptions options, BenchResult result, ReportData data, RunDescription description,
                       Machine machine) {
        this.options = options;
        this.result = result;
        this.data = data;
        this.description = description;
        this.machine = machine;
    }

    static String page(BenchOptions options, BenchResult result, ReportData data, RunDescription description,
                       Machine machine) {
        return new HtmlReport(options, result, data, description, machine).render();
    }

    private String render() {
        final String title = "tether bench: " + options.target() + ", " + DATE.format(data.startedAt());
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>")
            .append("<meta http-equiv=\"Content-Security-Policy\" content=\"").append(CSP).append("\"/>")
            .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>")
            .append("<title>").append(Xml.escape(title)).append("</title><style>\n").append(STYLE)
            .append("\n</style></head>\n<body><header><h1>tether bench · ")
            .append(Xml.escape(options.target().toString())).append("</h1><p>")
            .append(Xml.escape(ReportText.run(options, result))).append(" · ")
            .append(Xml.escape(DATE.format(data.startedAt()))).append(" on ").append(Xml.escape(machine.host()))
            .append("</p></header>\n<main>");
        summary();
        overTime();
        spectrum();
        server();
        sb.append("<div class=\"columns\">");
        settings();
        machine();
        sb.append("</div>");
        files();
        return sb.append("</main></body></html>\n").toString();
    }

    private void summary() {
        final String unit = options.reconnect() ? "handshakes" : "responses";
        final long failures = result.errors() + result.mismatches() + result.failedSessions();
        sb.append("<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">");
        card(unit + "/s", Numbers.count(result.responsesPerSecond()), false);
        card(unit, String.format(Locale.ROOT, "%,d", result.responses()), false);
        card("errors", String.format(Locale.ROOT, "%,d", failures), failures > 0);
        card("p99", Numbers.micros(LatencySummary.of(result.latencyMicros()).p99()), false);
        card("sessions", result.connectedSessions() + " / " + options.sessions(), result.failedSessions() > 0);
        sb.append("</div><table id=\"summary-table\"><tr><th>").append(Xml.escape(ReportText.latencyName(options)))
            .append("</th><th class=\"n\">count</th><th class=\"n\">p50</th><th class=\"n\">p90</th>")
            .append("<th class=\"n\">p99</th><th class=\"n\">p99.9</th><th class=\"n\">max</th></tr>");
        latencyRow("from the intended send time", LatencySummary.of(result.latencyMicros()));
        latencyRow(data.openLoop() ? "from the actual send" : "from the actual send (the same: closed loop)",
            LatencySummary.of(result.actualLatencyMicros()));
        if (data.openLoop()) {
            latencyRow("send lag (how late requests left)", LatencySummary.of(result.sendLagMicros()));
        }
        sb.append("</table><p class=\"note\">")
            .append(Xml.escape(String.format(Locale.ROOT, "%,d %s in %.1f s measured; %d errors, %d payload "
                    + "mismatches, %d sessions failed.", result.responses(), unit, result.seconds(), result.errors(),
                result.mismatches(), result.failedSessions())))
            .append(' ').append(Xml.escape(ReportText.coordinatedOmission(options))).append("</p></section>\n");
    }

    private void card(String label, String value, boolean bad) {
        sb.append("<div class=\"card").append(bad ? " bad" : "").append("\"><span>").append(Xml.escape(label))
            .append("</span><b>").append(Xml.escape(value)).append("</b></div>");
    }

    private void latencyRow(String name, LatencySummary s) {
        sb.append("<tr><td>").append(Xml.escape(name)).append("</td><td class=\"n\">")
            .append(String.format(Locale.ROOT, "%,d", s.count())).append("</td>");
        for (double v : new double[] {s.p50(), s.p90(), s.p99(), s.p999(), s.max()}) {
            sb.append("<td class=\"n\">").append(Xml.escape(Numbers.micros(v))).append("</td>");
        }
        sb.append("</tr>");
    }

    private void overTime() {
        final ReportPlots plots = new ReportPlots(options, data);
        sb.append("<section id=\"over-time\"><h2>Over time</h2><div class=\"plots\">");
        for (String svg : new String[] {plots.throughput(), plots.sessions(), plots.latency(), plots.connects()}) {
            figure(svg);
        }
        sb.append("</div><p class=\"note\">One step per interval: a second while measured, as the progress lines ")
            .append("print them; connecting and the warm-up (shaded) are not timed.</p></section>\n");
    }

    private void spectrum() {
        sb.append("<section id=\"spectrum\"><h2>Latency by percentile</h2><div class=\"plots\">");
        figure(new ReportPlots(options, data).percentiles(result));
        sb.append("</div><p class=\"note\">").append(Xml.escape(ReportText.spectrum(options)))
            .append("</p></section>\n");
    }

    private void server() {
        sb.append("<section id=\"server\"><h2>The server's counters</h2>");
        if (data.serverSource() != null) {
            final ReportPlots plots = new ReportPlots(options, data);
            sb.append("<div class=\"plots\">");
            figure(plots.serverConnections());
            figure(plots.serverRates());
            sb.append("</div><p class=\"note\">Read from the server's ").append(Xml.escape(data.serverSource()))
                .append(" at the end of every interval.</p>");
        }
        if (data.serverNote() != null) {
            sb.append("<p class=\"note\" id=\"server-note\">").append(Xml.escape(data.serverNote())).append("</p>");
        }
        sb.append("</section>\n");
    }

    private void settings() {
        sb.append("<section id=\"settings\"><h2>Settings</h2><table><tr><th>option</th><th>value</th><th></th></tr>");
        for (RunDescription.Setting s : description.settings()) {
            sb.append("<tr><td><code>").append(Xml.escape(s.name())).append("</code></td><td")
                .append(s.given() ? "" : " class=\"default\"").append('>').append(Xml.escape(s.value()))
                .append("</td><td").append(s.given() ? "" : " class=\"default\"").append('>')
                .append(s.given() ? "given" : "default").append("</td></tr>");
        }
        sb.append("</table></section>");
    }

    private void machine() {
        sb.append("<section id=\"machine\"><h2>Machine</h2><table>");
        row("host", machine.host());
        row("cores", String.valueOf(machine.cores()));
        row("memory", machine.memoryBytes() < 0 ? "unknown" : gib(machine.memoryBytes()));
        row("load average at the end", Double.isNaN(machine.loadAverage()) ? "unknown"
            : String.format(Locale.ROOT, "%.2f", machine.loadAverage()));
        row("OS", machine.os());
        row("JVM", machine.jvm());
        row("JVM heap (max)", gib(machine.maxHeapBytes()));
        row("JVM options", machine.jvmFlags().isEmpty() ? "none" : machine.jvmFlags());
        row("started", DATE.format(data.startedAt()));
        row("tether", description.version());
        sb.append("</table></section>");
    }

    private void row(String name, String value) {
        sb.append("<tr><th>").append(Xml.escape(name)).append("</th><td>").append(Xml.escape(value))
            .append("</td></tr>");
    }

    private void files() {
        sb.append("<section id=\"files\"><h2>Files</h2><p class=\"note\"><a href=\"").append(BenchReport.LOG)
            .append("\">").append(BenchReport.LOG).append("</a>: every measured interval's histograms in ")
            .append("HdrHistogram's log format, tagged <code>").append(IntervalLog.INTENDED)
            .append("</code> and <code>").append(IntervalLog.ACTUAL).append("</code> (microseconds; ")
            .append("HistogramLogProcessor and HdrHistogram's plotters read it). <a href=\"")
            .append(BenchReport.SUMMARY).append("\">").append(BenchReport.SUMMARY)
            .append("</a>: the summary numbers.</p></section>");
    }

    private void figure(String svg) {
        sb.append("<figure>").append(svg).append("</figure>");
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
