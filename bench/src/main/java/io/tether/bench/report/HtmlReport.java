package io.tether.bench.report;

import io.tether.bench.BenchOptions;
import io.tether.bench.BenchResult;
import java.util.Locale;

/**
 * index.html of {@code tether bench --report}, in the frame of an {@link HtmlPage}. Sections: the summary, plots
 * over time, the latency spectrum, the server's counters, the settings and the machine.
 */
final class HtmlReport {
    private final BenchOptions options;
    private final BenchResult result;
    private final ReportData data;
    private final RunDescription description;
    private final Machine machine;
    private final HtmlPage page;
    private final StringBuilder sb;

    private HtmlReport(BenchOptions options, BenchResult result, ReportData data, RunDescription description,
                       Machine machine) {
        this.options = options;
        this.result = result;
        this.data = data;
        this.description = description;
        this.machine = machine;
        this.page = new HtmlPage("tether bench: " + options.target() + ", " + HtmlPage.DATE.format(data.startedAt()),
            "tether bench · " + options.target(), ReportText.run(options, result) + " · "
                + HtmlPage.DATE.format(data.startedAt()) + " on " + machine.host());
        this.sb = page.html();
    }

    static String page(BenchOptions options, BenchResult result, ReportData data, RunDescription description,
                       Machine machine) {
        return new HtmlReport(options, result, data, description, machine).render();
    }

    private String render() {
        summary();
        overTime();
        spectrum();
        server();
        sb.append("<div class=\"columns\">");
        settings();
        page.machine(machine, data.startedAt(), description.version());
        sb.append("</div>");
        files();
        return page.end();
    }

    private void summary() {
        final String unit = options.reconnect() ? "handshakes" : "responses";
        final long failures = result.errors() + result.mismatches() + result.failedSessions();
        sb.append("<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">");
        page.card(unit + "/s", Numbers.count(result.responsesPerSecond()), false);
        page.card(unit, String.format(Locale.ROOT, "%,d", result.responses()), false);
        page.card("errors", String.format(Locale.ROOT, "%,d", failures), failures > 0);
        page.card("p99", Numbers.micros(LatencySummary.of(result.latencyMicros()).p99()), false);
        page.card("sessions", result.connectedSessions() + " / " + options.sessions(), result.failedSessions() > 0);
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

    private void latencyRow(String name, LatencySummary s) {
        sb.append("<tr><td>").append(Xml.escape(name)).append("</td>");
        page.latencyCells(s.count(), s.p50(), s.p90(), s.p99(), s.p999(), s.max());
        sb.append("</tr>");
    }

    private void overTime() {
        final ReportPlots plots = new ReportPlots(options, data);
        sb.append("<section id=\"over-time\"><h2>Over time</h2><div class=\"plots\">");
        for (String svg : new String[] {plots.throughput(), plots.sessions(), plots.latency(), plots.connects()}) {
            page.figure(svg);
        }
        sb.append("</div><p class=\"note\">One step per interval: a second while measured, as the progress lines ")
            .append("print them; connecting and the warm-up (shaded) are not timed.</p></section>\n");
    }

    private void spectrum() {
        sb.append("<section id=\"spectrum\"><h2>Latency by percentile</h2><div class=\"plots\">");
        page.figure(new ReportPlots(options, data).percentiles(result));
        sb.append("</div><p class=\"note\">").append(Xml.escape(ReportText.spectrum(options)))
            .append("</p></section>\n");
    }

    private void server() {
        sb.append("<section id=\"server\"><h2>The server's counters</h2>");
        if (data.serverSource() != null) {
            final ReportPlots plots = new ReportPlots(options, data);
            sb.append("<div class=\"plots\">");
            page.figure(plots.serverConnections());
            page.figure(plots.serverRates());
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

    private void files() {
        sb.append("<section id=\"files\"><h2>Files</h2><p class=\"note\"><a href=\"").append(BenchReport.LOG)
            .append("\">").append(BenchReport.LOG).append("</a>: every measured interval's histograms in ")
            .append("HdrHistogram's log format, tagged <code>").append(IntervalLog.INTENDED)
            .append("</code> and <code>").append(IntervalLog.ACTUAL).append("</code> (microseconds; ")
            .append("HistogramLogProcessor and HdrHistogram's plotters read it). <a href=\"")
            .append(BenchReport.SUMMARY).append("\">").append(BenchReport.SUMMARY)
            .append("</a>: the summary numbers.</p></section>");
    }

}
