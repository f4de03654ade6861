package io.tether.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;

/**
 * The scale run's report (scripts/bench-100k, io.tether.bench.scale.ScaleRun) as a page: {@value #PAGE} in the
 * frame of an {@link HtmlPage} (the run's result, a table of its phases, the nodes' heap, RSS and CPU, plots over
 * time with the phases as bands, the latency spectra) and beside it {@value #LOG}, the latency histograms of the
 * phases that timed any, all holders merged (HdrHistogram's log format, tagged by phase, microseconds). The run
 * hands it its phases and the nodes' figures as they come and {@link #write}s it at the end, after a failure too:
 * then the page shows what the run reached.
 */
public final class ScaleReport {
    public static final String PAGE = "index.html";
    public static final String LOG = "latency.hlog";
    /** The text report the run writes beside the page. */
    public static final String TEXT = "report.txt";

    static final String SESSIONS = "plot-sessions";
    static final String SESSIONS_PER_NODE = "plot-sessions-per-node";
    static final String CPU = "plot-cpu";
    static final String RSS = "plot-rss";
    static final String PUSH_LATENCY = "plot-push-latency";
    static final String REQUEST_LATENCY = "plot-request-latency";
    private static final String[] COLORS = {"#2471a3", "#e67e22", "#27ae60", "#c0392b", "#7d3c98", "#17a589",
        "#b7950b", "#d35400", "#5d6d7e", "#a93226"};
    private static final String TIME = "seconds since the run began";
    /** The phase whose sessions are meant to go. */
    public static final String RAMP_DOWN = "ramp-down";

    /** How the run was asked for. */
    public record Parameters(int nodes, int sessionsPerNode, int connectRate, int holdSeconds, int pushRounds,
                             int requestRate, int requestSeconds) {
        public int sessions() {
            return nodes * sessionsPerNode;
        }

        String line() {
            return String.format(Locale.ROOT, "%d nodes × %,d sessions = %,d, connects at %,d/s, held %d s, %d push "
                + "rounds, %,d requests/s for %d s", nodes, sessionsPerNode, sessions(), connectRate, holdSeconds,
                pushRounds, requestRate, requestSeconds);
        }
    }

    /** What a phase timed: pushes (send to receipt) or requests (from the intended send). */
    public enum Timed {
        NOTHING, PUSHES, REQUESTS
    }

    /**
     * A phase of the run, {@code start} to {@code end} seconds since the run began, the sessions the holders
     * had live (at its end, or the fewest it saw; -1: not known), its figures as the text report gives them and, when it timed something,
     * the latency (microseconds) of all holders merged.
     */
    public record Phase(String name, double start, double end, long sessionsLive, String figures, Timed timed,
                        Histogram latency) {
        public Phase(String name, double start, double end, long sessionsLive, String figures) {
            this(name, start, end, sessionsLive, figures, Timed.NOTHING, null);
        }

        /** The phase's tag in {@value #LOG}: its name without spaces. */
        String tag() {
            return name.replaceAll("[^A-Za-z0-9]+", "-");
        }
    }

    /**
     * One node's figures at one moment: sessions, heap used (after a full GC when {@code afterGc}) and RSS, each
     * with the node's baseline before any session, and its CPU time over the {@code wallSeconds} before.
     */
    public record NodeFigures(String when, int node, int sessions, long heapBytes, boolean afterGc, long baseHeap,
                              long rssBytes, long baseRss, double cpuSeconds, double wallSeconds) {
        /** Heap above the baseline per session; 0 without sessions. */
        public double heapPerSession() {
            return sessions <= 0 ? 0 : (heapBytes - baseHeap) / (double) sessions;
        }

        public double rssPerSession() {
            return sessions <= 0 ? 0 : (rssBytes - baseRss) / (double) sessions;
        }

        /** The CPU as a share of one core, in per cent. */
        public double cpuPercent() {
            return 100 * cpuSeconds / Math.max(1e-9, wallSeconds);
        }

        /** The text report's line. */
        public String line() {
            return String.format("    node %d: %6d sessions, heap %s %6.1f MiB (%5.0f B/session), RSS %6.1f MiB "
                + "(%5.0f B/session), CPU %.1f s over the last %.0f s (%.0f%% of a core)", node, sessions,
                afterGc ? "after GC" : "used", heapBytes / 1048576.0, heapPerSession(), rssBytes / 1048576.0,
                rssPerSession(), cpuSeconds, wallSeconds, cpuPercent());
        }
    }

    /**
     * The nodes at one moment, {@code seconds} since the run began, a value a node (NaN: not known, as while a
     * node is down): its sessions, its CPU over the period before (per cent of a core) and its RSS in bytes.
     */
    public record Sample(double seconds, double[] sessions, double[] cpuPercent, double[] rssBytes) {
    }

    private final Parameters parameters;
    private final Instant started;
    private final String version;
    private final List<Phase> phases = new ArrayList<>();
    private final List<NodeFigures> figures = new ArrayList<>();
    private boolean ok;
    private String result = "result: the run did not finish";

    /** A report of a run with {@code parameters} that began (its time 0) at {@code started}. */
    public ScaleReport(Parameters parameters, Instant started, String version) {
        this.parameters = parameters;
        this.started = started;
        this.version = version;
    }

    public void phase(Phase phase) {
        phases.add(phase);
    }

    public void nodes(NodeFigures nodeFigures) {
        figures.add(nodeFigures);
    }

    /** The run's result line, and whether it passed. */
    public void result(boolean passed, String line) {
        this.ok = passed;
        this.result = line;
    }

    /** Writes {@value #LOG} and {@value #PAGE} into {@code dir}, with the nodes over time; returns the page. */
    public Path write(Path dir, List<Sample> samples) throws IOException {
        try (IntervalLog log = IntervalLog.create(dir.resolve(LOG))) {
            log.header("[tether scale run: latency in microseconds, all holders merged, a histogram a phase: pushes "
                + "from send to receipt, requests from the intended send]", started.toEpochMilli());
            for (Phase p : phases) {
                if (p.latency() != null) {
                    log.write(p.start(), p.end(), p.latency(), p.tag());
                }
            }
        }
        final Path page = dir.resolve(PAGE);
        Files.writeString(page, page(samples, Machine.current()), StandardCharsets.UTF_8);
        return page;
    }

    String page(List<Sample> samples, Machine machine) {
        final HtmlPage page = new HtmlPage("tether scale run: " + parameters.sessions() + " sessions, "
            + HtmlPage.DATE.format(started), String.format(Locale.ROOT, "tether scale run · %d nodes × %,d sessions",
            parameters.nodes(), parameters.sessionsPerNode()),
            parameters.line() + " · " + HtmlPage.DATE.format(started) + " on " + machine.host());
        final StringBuilder sb = page.html();
        summary(page);
        phaseTable(page);
        nodeTable(sb);
        sb.append("<section id=\"over-time\"><h2>Over time</h2><div class=\"plots\">");
        final Plots plots = new Plots(samples);
        page.figure(plots.sessions());
        page.figure(plots.sessionsPerNode());
        page.figure(plots.cpu());
        page.figure(plots.rss());
        sb.append("</div><p class=\"note\">Sampled about every second from each node: its session count from its ")
            .append("admin endpoint (<code>GET /sessions</code>), its CPU time and RSS from /proc. A gap is a node ")
            .append("that did not answer: node 0 while it drains and restarts. The bands are the phases, in the ")
            .append("table's order.</p></section>\n");
        sb.append("<section id=\"spectrum\"><h2>Latency by percentile</h2><div class=\"plots\">");
        page.figure(plots.spectrum(PUSH_LATENCY, "Push latency (send to receipt) by percentile", Timed.PUSHES));
        page.figure(plots.spectrum(REQUEST_LATENCY, "Request latency (from the intended send) by percentile",
            Timed.REQUESTS));
        sb.append("</div><p class=\"note\">Each phase's latency over every session, all holders' histograms ")
            .append("merged, HdrHistogram style: the percentile axis spreads the tail (90 %, 99 %, 99.9 % ... ")
            .append("equally far apart), the latency axis is logarithmic. A push is timed from the send time in its ")
            .append("payload to its receipt, on the machine's one clock; a request from when the open-loop schedule ")
            .append("meant to send it.</p></section>\n");
        sb.append("<div class=\"columns\">");
        parameterTable(page);
        page.machine(machine, started, version);
        sb.append("</div>");
        files(sb);
        return page.end();
    }

    private void summary(HtmlPage page) {
        final StringBuilder sb = page.html();
        sb.append("<section id=\"summary\"><h2>Result</h2><p id=\"result\" class=\"result").append(ok ? "" : " bad")
            .append("\">").append(Xml.escape(result)).append("</p><div class=\"cards\">");
        page.card("sessions", String.format(Locale.ROOT, "%,d", parameters.sessions()), false);
        final long fewest = fewestLive();
        page.card("fewest live", fewest < 0 ? "–" : String.format(Locale.ROOT, "%,d", fewest),
            fewest >= 0 && fewest < parameters.sessions());
        page.card("push p99", Numbers.micros(LatencySummary.of(merged(Timed.PUSHES)).p99()), false);
        page.card("request p99", Numbers.micros(LatencySummary.of(merged(Timed.REQUESTS)).p99()), false);
        page.card("run", phases.isEmpty() ? "–" : Numbers.trim(phases.get(phases.size() - 1).end(), 0) + " s", false);
        sb.append("</div></section>\n");
    }

    /** The fewest sessions live in a phase, ramp-down left out; -1 without a phase that counted them. */
    private long fewestLive() {
        return phases.stream().filter(p -> !p.name().equals(RAMP_DOWN) && p.sessionsLive() >= 0)
            .mapToLong(Phase::sessionsLive).min().orElse(-1);
    }

    private void phaseTable(HtmlPage page) {
        final StringBuilder sb = page.html();
        sb.append("<section id=\"phases\"><h2>Phases</h2><table id=\"phase-table\"><tr><th>phase</th>")
            .append("<th class=\"n\">from</th><th class=\"n\">for</th><th class=\"n\">sessions live</th>")
            .append("<th>figures</th><th class=\"n\">timed</th><th class=\"n\">p50</th><th class=\"n\">p99</th>")
            .append("<th class=\"n\">p99.9</th><th class=\"n\">max</th></tr>");
        for (Phase p : phases) {
            sb.append("<tr><td>").append(Xml.escape(p.name())).append("</td><td class=\"n\">")
                .append(Numbers.trim(p.start(), 1)).append(" s</td><td class=\"n\">")
                .append(Numbers.trim(p.end() - p.start(), 1)).append(" s</td><td class=\"n\">")
                .append(p.sessionsLive() < 0 ? "–" : String.format(Locale.ROOT, "%,d", p.sessionsLive()))
                .append("</td><td>").append(Xml.escape(p.figures())).append("</td>");
            if (p.latency() == null) {
                sb.append("<td class=\"n\">–</td>".repeat(5));
            } else {
                final LatencySummary s = LatencySummary.of(p.latency());
                page.latencyCells(s.count(), s.p50(), s.p99(), s.p999(), s.max());
            }
            sb.append("</tr>");
        }
        sb.append("</table><p class=\"note\">Sessions live: the holders' open sessions at the phase's end (the ")
            .append("idle hold: the fewest at any of its checks). Timed: pushes from their send to their receipt, ")
            .append("requests from their intended send (open loop), over all holders.</p></section>\n");
    }

    private void nodeTable(StringBuilder sb) {
        sb.append("<section id=\"nodes\"><h2>Nodes</h2><table id=\"node-table\"><tr><th>node</th>")
            .append("<th class=\"n\">sessions</th><th class=\"n\">heap</th><th class=\"n\">per session</th>")
            .append("<th class=\"n\">RSS</th><th class=\"n\">per session</th><th class=\"n\">CPU</th>")
            .append("<th class=\"n\">of a core</th></tr>");
        String when = null;
        for (NodeFigures f : figures) {
            if (!f.when().equals(when)) {
                when = f.when();
                sb.append("<tr class=\"group\"><th colspan=\"8\">").append(Xml.escape(when)).append("</th></tr>");
            }
            sb.append("<tr><td>node ").append(f.node()).append("</td>");
            cell(sb, String.format(Locale.ROOT, "%,d", f.sessions()));
            cell(sb, mib(f.heapBytes()) + (f.afterGc() ? " after GC" : ""));
            cell(sb, f.sessions() <= 0 ? "–" : String.format(Locale.ROOT, "%,.0f B", f.heapPerSession()));
            cell(sb, mib(f.rssBytes()));
            cell(sb, f.sessions() <= 0 ? "–" : String.format(Locale.ROOT, "%,.0f B", f.rssPerSession()));
            cell(sb, String.format(Locale.ROOT, "%.1f s in %.0f s", f.cpuSeconds(), f.wallSeconds()));
            cell(sb, String.format(Locale.ROOT, "%.0f%%", f.cpuPercent()));
            sb.append("</tr>");
        }
        sb.append("</table><p class=\"note\">Per session: above the node's own baseline before any session (heap ")
            .append("after a full GC). CPU: since the row before.</p></section>\n");
    }

    private static void cell(StringBuilder sb, String text) {
        sb.append("<td class=\"n\">").append(Xml.escape(text)).append("</td>");
    }

    private void parameterTable(HtmlPage page) {
        page.html().append("<section id=\"parameters\"><h2>Parameters</h2><table>");
        page.row("nodes", String.valueOf(parameters.nodes()));
        page.row("sessions per node", String.valueOf(parameters.sessionsPerNode()));
        page.row("connect rate", parameters.connectRate() + "/s over all holders");
        page.row("idle hold", parameters.holdSeconds() + " s");
        page.row("push rounds", String.valueOf(parameters.pushRounds()));
        page.row("request rate", parameters.requestRate() + "/s over all holders");
        page.row("requests for", parameters.requestSeconds() + " s");
        page.html().append("</table></section>");
    }

    private static void files(StringBuilder sb) {
        sb.append("<section id=\"files\"><h2>Files</h2><p class=\"note\"><a href=\"").append(TEXT).append("\">")
            .append(TEXT).append("</a>: the text report. <a href=\"").append(LOG).append("\">").append(LOG)
            .append("</a>: each timed phase's latency histogram (microseconds, tagged by phase) in HdrHistogram's ")
            .append("log format. Beside them every process's log: <code>etcd.log</code>, <code>node-N.out</code>, ")
            .append("<code>node-N.err</code>, <code>holder-N.err</code>.</p></section>");
    }

    /** The phases' latency of one kind, merged; null when none timed it. */
    private Histogram merged(Timed timed) {
        Histogram all = null;
        for (Phase p : phases) {
            if (p.timed() == timed && p.latency() != null) {
                all = all == null ? new Histogram(3) : all;
                all.add(p.latency());
            }
        }
        return all;
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "–" : String.format(Locale.ROOT, "%,.1f MiB", bytes / 1048576.0);
    }

    /** The plots of the page. */
    private final class Plots {
        private final List<Sample> samples;
        private final double end;

        Plots(List<Sample> samples) {
            this.samples = samples;
            final double lastSample = samples.isEmpty() ? 0 : samples.get(samples.size() - 1).seconds();
            this.end = Math.max(lastSample, phases.isEmpty() ? 0 : phases.get(phases.size() - 1).end());
        }

        String sessions() {
            return overTime(SESSIONS, "Sessions on the nodes, all together")
                .line("all nodes", COLORS[0], false, times(), column(s -> sum(s.sessions()))).svg();
        }

        String sessionsPerNode() {
            return perNode(overTime(SESSIONS_PER_NODE, "Sessions per node"), Sample::sessions, 1).svg();
        }

        String cpu() {
            return perNode(overTime(CPU, "CPU per node (% of a core)"), Sample::cpuPercent, 1).svg();
        }

        String rss() {
            return perNode(overTime(RSS, "RSS per node (MiB)"), Sample::rssBytes, 1048576.0).svg();
        }

        /** A line for each phase that timed {@code timed}. */
        String spectrum(String id, String title, Timed timed) {
            final SvgPlot plot = new SvgPlot(id, title, SvgPlot.Axis.PERCENTILE, SvgPlot.Axis.MICROS, "percentile")
                .logY();
            int color = 0;
            for (Phase p : phases) {
                if (p.timed() == timed && p.latency() != null) {
                    ReportPlots.spectrum(plot, p.name(), COLORS[color++ % COLORS.length], false, p.latency());
                }
            }
            return plot.whenEmpty("nothing was timed").svg();
        }

        private SvgPlot overTime(String id, String title) {
            final SvgPlot plot = new SvgPlot(id, title, SvgPlot.Axis.SECONDS, SvgPlot.Axis.COUNT, TIME)
                .xRange(0, end);
            for (int i = 0; i < phases.size(); i++) {
                final Phase p = phases.get(i);
                plot.band(p.start(), p.end(), p.name(), i % 2 == 0 ? SvgPlot.BAND : SvgPlot.DARKER_BAND);
            }
            return plot;
        }

        private SvgPlot perNode(SvgPlot plot, Function<Sample, double[]> values, double unit) {
            final int nodes = samples.stream().mapToInt(s -> values.apply(s).length).max().orElse(0);
            for (int n = 0; n < nodes; n++) {
                final int node = n;
                plot.line("node " + n, COLORS[n % COLORS.length], false, times(),
                    column(s -> node < values.apply(s).length ? values.apply(s)[node] / unit : Double.NaN));
            }
            return plot;
        }

        private double[] times() {
            return column(Sample::seconds);
        }

        private double[] column(ToDoubleFunction<Sample> f) {
            return samples.stream().mapToDouble(f).toArray();
        }
    }

    /** The sum of the finite values; NaN when there is none. */
    private static double sum(double[] values) {
        double sum = 0;
        boolean any = false;
        for (double v : values) {
            if (Double.isFinite(v)) {
                sum += v;
                any = true;
            }
        }
        return any ? sum : Double.NaN;
    }
}
