package io.tether.bench.report;

import io.tether.bench.BenchInterval;
import io.tether.bench.BenchOptions;
import io.tether.bench.BenchResult;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * The report's plots, each an {@link SvgPlot} with an id the page and its tests find it by. Everything over time
 * shares one x axis, seconds since the first connect, with connecting and the warm-up shaded: latency and
 * responses exist only where the run was measured, sessions and connects everywhere.
 */
final class ReportPlots {
    static final String THROUGHPUT = "plot-throughput";
    static final String SESSIONS = "plot-sessions";
    static final String LATENCY = "plot-latency";
    static final String CONNECTS = "plot-connects";
    static final String PERCENTILES = "plot-percentiles";
    static final String SERVER_CONNECTIONS = "plot-server-connections";
    static final String SERVER_RATES = "plot-server-rates";

    static final String INTENDED_COLOR = "#c0392b";
    static final String ACTUAL_COLOR = "#2471a3";
    private static final String[] COLORS = {"#2471a3", "#e67e22", "#c0392b", "#7d3c98"};
    private static final String TIME = "seconds since the first connect";

    private final BenchOptions options;
    private final ReportData data;

    ReportPlots(BenchOptions options, ReportData data) {
        this.options = options;
        this.data = data;
    }

    String throughput() {
        final String unit = options.reconnect() ? "handshakes/s" : "responses/s";
        return overTime(THROUGHPUT, "Throughput (" + unit + ")", SvgPlot.Axis.COUNT)
            .steps(unit, COLORS[0], false, from(), to(), column(ReportData.Row::responsesPerSecond))
            .whenEmpty(options.idle() ? "idle sessions: nothing was sent" : "no data").svg();
    }

    String sessions() {
        return overTime(SESSIONS, "Sessions connected", SvgPlot.Axis.COUNT)
            .steps("sessions", COLORS[0], false, from(), to(), column(r -> r.sessions())).svg();
    }

    /**
     * p50, p99 and max per interval, from the intended send time, on a logarithmic axis (a max is often a hundred
     * times the median); open loop adds p99 from the actual send.
     */
    String latency() {
        final SvgPlot plot = overTime(LATENCY, latencyName() + " over time", SvgPlot.Axis.MICROS).logY()
            .steps("p50", COLORS[0], false, from(), to(), column(r -> r.latency().p50()))
            .steps("p99", COLORS[1], false, from(), to(), column(r -> r.latency().p99()))
            .steps("max", COLORS[2], false, from(), to(), column(r -> r.latency().max()));
        if (data.openLoop()) {
            plot.steps("p99 from actual send", ACTUAL_COLOR, true, from(), to(),
                column(r -> r.actualLatency().p99()));
        }
        return plot.whenEmpty(options.idle() ? "idle sessions: nothing was timed" : "no data").svg();
    }

    String connects() {
        return overTime(CONNECTS, "Connects per second (Welcomes received)", SvgPlot.Axis.COUNT)
            .steps("connects/s", COLORS[0], false, from(), to(), column(ReportData.Row::connectsPerSecond)).svg();
    }

    /**
     * The latency spectrum of the whole measured run, HdrHistogram style (on a logarithmic latency axis, so the
     * median shows as well as the tail): from the intended send time beside from the actual send. Where the second lies below the first, the generator sent late and the server was slow in
     * the meantime: what a generator that waits for its late sends would never see (coordinated omission).
     */
    String percentiles(BenchResult r) {
        final SvgPlot plot = new SvgPlot(PERCENTILES, latencyName() + " by percentile", SvgPlot.Axis.PERCENTILE,
            SvgPlot.Axis.MICROS, "percentile").logY();
        spectrum(plot, "from the intended send", INTENDED_COLOR, false, r.latencyMicros());
        spectrum(plot, "from the actual send", ACTUAL_COLOR, true, r.actualLatencyMicros());
        return plot.whenEmpty(options.idle() ? "idle sessions: nothing was timed" : "no data").svg();
    }

    String serverConnections() {
        return overTime(SERVER_CONNECTIONS, "Server: connections open, sessions active", SvgPlot.Axis.COUNT)
            .steps("connections open", COLORS[0], false, from(), to(), column(r -> r.server().connectionsOpen()))
            .steps("sessions active", COLORS[1], true, from(), to(), column(r -> r.server().sessionsActive()))
            .svg();
    }

    String serverRates() {
        return overTime(SERVER_RATES, "Server: requests and pushes per second", SvgPlot.Axis.COUNT)
            .steps("requests/s", COLORS[0], false, from(), to(), column(r -> r.server().requestsPerSecond()))
            .steps("pushes/s", COLORS[1], false, from(), to(), column(r -> r.server().pushesPerSecond())).svg();
    }

    private String latencyName() {
        return options.reconnect() ? "Connect to Welcome" : "Round trip";
    }

    /** A plot over the run's time, with connecting and the warm-up shaded. */
    private SvgPlot overTime(String id, String title, SvgPlot.Axis y) {
        final SvgPlot plot = new SvgPlot(id, title, SvgPlot.Axis.SECONDS, y, TIME).xRange(0, data.seconds());
        final double[] connecting = data.span(BenchInterval.Phase.CONNECTING);
        if (connecting.length == 2) {
            plot.band(connecting[0], connecting[1], "connecting");
        }
        final double[] warmup = data.span(BenchInterval.Phase.WARMING_UP);
        if (warmup.length == 2) {
            plot.band(warmup[0], warmup[1], "warm-up");
        }
        return plot;
    }

    /** {@code h} at each percentile, as a line on a percentile plot (nothing drawn when it is empty). */
    static void spectrum(SvgPlot plot, String name, String color, boolean dashed, Histogram h) {
        if (h.getTotalCount() == 0) {
            plot.line(name, color, dashed, new double[0], new double[0]);
            return;
        }
        // The last percentile a run of n values resolves is 1 - 1/n; beyond it the line climbs to the max.
        final double last = Math.log10(h.getTotalCount());
        final List<double[]> points = new ArrayList<>();
        for (HistogramIterationValue v : h.percentiles(5)) {
            final double p = v.getPercentileLevelIteratedTo();
            points.add(new double[] {p >= 100 ? last : Math.min(last, SvgPlot.nines(p)), v.getValueIteratedTo()});
        }
        final double[] x = new double[points.size()];
        final double[] y = new double[points.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = points.get(i)[0];
            y[i] = points.get(i)[1];
        }
        plot.line(name, color, dashed, x, y);
    }

    private double[] from() {
        return column(ReportData.Row::start);
    }

    private double[] to() {
        return column(ReportData.Row::end);
    }

    private double[] column(ToDoubleFunction<ReportData.Row> f) {
        return data.rows().stream().mapToDouble(f).toArray();
    }
}
