package io.tether.bench.report;

import java.util.ArrayList;
import java.util.List;

/**
 * A line plot as inline SVG, written by hand so the report needs no library and fetches nothing: a title, a
 * legend, grey bands for the unmeasured parts of a run, grid lines at round values and one polyline per run of
 * finite points (NaN breaks a line). The y axis starts at 0, or is logarithmic in powers of ten. The x axis is
 * linear, or the percentile axis of HdrHistogram's plots: {@code log10(1 / (1 - p))}, so 90 %, 99 %, 99.9 % ...
 * are equally far apart.
 */
final class SvgPlot {
    /** How an axis's values print (and, for x, how they map). */
    enum Axis {
        SECONDS, COUNT, MICROS, PERCENTILE
    }

    private static final int WIDTH = 640;
    private static final int HEIGHT = 280;
    private static final int LEFT = 64;
    private static final int RIGHT = 30;
    /** Room for the title and, under it, the legend. */
    private static final int TOP = 48;
    private static final int BOTTOM = 40;
    private static final int PLOT_WIDTH = WIDTH - LEFT - RIGHT;
    private static final int PLOT_HEIGHT = HEIGHT - TOP - BOTTOM;
    /** Lines with this many points or fewer get a dot at each, so one or two points still show. */
    private static final int MARKERS_UP_TO = 40;
    static final String BAND = "#eef1f5";
    static final String DARKER_BAND = "#e1e6ee";

    private record Series(String name, String color, boolean dashed, boolean markers, double[] x, double[] y) {
    }

    private record Band(double from, double to, String label, String fill) {
    }

    private final String id;
    private final String title;
    private final Axis xAxis;
    private final Axis yAxis;
    private final String xLabel;
    private final List<Series> series = new ArrayList<>();
    private final List<Band> bands = new ArrayList<>();
    private double xMin;
    private double xMax = Double.NaN;
    private boolean logY;
    private String emptyText = "no data";

    SvgPlot(String id, String title, Axis xAxis, Axis yAxis, String xLabel) {
        this.id = id;
        this.title = title;
        this.xAxis = xAxis;
        this.yAxis = yAxis;
        this.xLabel = xLabel;
    }

    /** Where the x axis of a percentile plot puts {@code percentile} (0 to 100, below 100). */
    static double nines(double percentile) {
        return Math.log10(100 / (100 - percentile));
    }

    /** The x axis spans {@code min} to {@code max} (by default 0 to the largest x of the series). */
    SvgPlot xRange(double min, double max) {
        this.xMin = min;
        this.xMax = max;
        return this;
    }

    /** A line through the points. */
    SvgPlot line(String name, String color, boolean dashed, double[] x, double[] y) {
        series.add(new Series(name, color, dashed, x.length <= MARKERS_UP_TO, x, y));
        return this;
    }

    /** A value held over each interval {@code [from[i], to[i]]}: a step line. */
    SvgPlot steps(String name, String color, boolean dashed, double[] from, double[] to, double[] y) {
        final double[] xs = new double[from.length * 2];
        final double[] ys = new double[from.length * 2];
        for (int i = 0; i < from.length; i++) {
            xs[2 * i] = from[i];
            xs[2 * i + 1] = to[i];
            ys[2 * i] = y[i];
            ys[2 * i + 1] = y[i];
        }
        series.add(new Series(name, color, dashed, false, xs, ys));
        return this;
    }

    /** A logarithmic y axis, in powers of ten: for latencies whose maximum is far above their median. */
    SvgPlot logY() {
        this.logY = true;
        return this;
    }

    /** A grey band from {@code from} to {@code to} on the x axis, labelled. */
    SvgPlot band(double from, double to, String label) {
        return band(from, to, label, BAND);
    }

    /** A band filled with {@code fill}: a darker one tells a phase from the one beside it. */
    SvgPlot band(double from, double to, String label, String fill) {
        if (to > from) {
            bands.add(new Band(from, to, label, fill));
        }
        return this;
    }

    /** What the plot says when no series has a finite point. */
    SvgPlot whenEmpty(String text) {
        this.emptyText = text;
        return this;
    }

    /** The plot as an {@code <svg>} element. */
    String svg() {
        final double right = Double.isNaN(xMax) ? defaultXMax() : xMax;
        final double x1 = right <= xMin ? xMin + 1 : right;
        final Frame f = logY ? logFrame(x1) : new Frame(xMin, x1, 0, Ticks.ceiling(maxFinite(true) * 1.04), false);
        final StringBuilder sb = new StringBuilder(8192);
        sb.append("<svg id=\"").append(Xml.escape(id)).append("\" class=\"plot\" viewBox=\"0 0 ").append(WIDTH)
            .append(' ').append(HEIGHT).append("\" width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT)
            .append("\" role=\"img\" font-family=\"system-ui, sans-serif\" font-size=\"11\">");
        sb.append("<title>").append(Xml.escape(title)).append("</title>");
        sb.append("<rect x=\"0\" y=\"0\" width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT)
            .append("\" fill=\"#ffffff\"/>");
        sb.append("<text x=\"").append(LEFT).append("\" y=\"20\" font-size=\"13\" font-weight=\"600\"")
            .append(" fill=\"#1d2330\">").append(Xml.escape(title)).append("</text>");
        for (Band b : bands) {
            drawBand(sb, f, b);
        }
        drawYAxis(sb, f);
        drawXAxis(sb, f);
        if (Double.isNaN(maxFinite(false))) {
            sb.append("<text x=\"").append(LEFT + PLOT_WIDTH / 2).append("\" y=\"").append(TOP + PLOT_HEIGHT / 2)
                .append("\" text-anchor=\"middle\" fill=\"#8a93a3\">").append(Xml.escape(emptyText)).append("</text>");
        }
        for (Series s : series) {
            drawSeries(sb, f, s);
        }
        drawLegend(sb);
        return sb.append("</svg>").toString();
    }

    /**
     * The data's ranges and how they map to the picture; on a logarithmic axis {@code y0} and {@code y1} are powers
     * of ten, and a value of 0 or less has no place (NaN).
     */
    private record Frame(double x0, double x1, double y0, double y1, boolean log) {
        double px(double x) {
            return LEFT + (Math.min(Math.max(x, x0), x1) - x0) / (x1 - x0) * PLOT_WIDTH;
        }

        double py(double y) {
            if (log) {
                return y > 0 ? TOP + PLOT_HEIGHT - (Math.log10(y) - y0) / (y1 - y0) * PLOT_HEIGHT : Double.NaN;
            }
            return TOP + PLOT_HEIGHT - (y - y0) / (y1 - y0) * PLOT_HEIGHT;
        }
    }

    /** From the power of ten at or below the smallest positive y to the one at or above the largest. */
    private Frame logFrame(double x1) {
        double min = Double.NaN;
        for (Series s : series) {
            for (double y : s.y()) {
                if (y > 0 && Double.isFinite(y)) {
                    min = Double.isNaN(min) ? y : Math.min(min, y);
                }
            }
        }
        if (Double.isNaN(min)) {
            return new Frame(xMin, x1, 0, 3, true);
        }
        final double low = Math.floor(Math.log10(min));
        final double high = Math.ceil(Math.log10(maxFinite(true)));
        return new Frame(xMin, x1, low, Math.max(high, low + 1), true);
    }

    private void drawBand(StringBuilder sb, Frame f, Band b) {
        final double x0 = f.px(b.from());
        final double x1 = f.px(b.to());
        sb.append("<rect class=\"band\" x=\"").append(Numbers.coordinate(x0)).append("\" y=\"").append(TOP)
            .append("\" width=\"").append(Numbers.coordinate(Math.max(1, x1 - x0))).append("\" height=\"")
            .append(PLOT_HEIGHT).append("\" fill=\"").append(b.fill()).append("\"/>");
        if (x1 - x0 >= 6.2 * b.label().length() + 6) {
            sb.append("<text x=\"").append(Numbers.coordinate(x0 + 4)).append("\" y=\"").append(TOP + 12)
                .append("\" fill=\"#8a93a3\">").append(Xml.escape(b.label())).append("</text>");
        }
    }

    private void drawYAxis(StringBuilder sb, Frame f) {
        if (f.log()) {
            for (double e = f.y0(); e <= f.y1(); e++) {
                final double v = Math.pow(10, e);
                yTick(sb, f.py(v), e == f.y0(), yAxis == Axis.MICROS ? Numbers.micros(v, v) : Numbers.count(v));
            }
            return;
        }
        final double step = Ticks.step(f.y1());
        for (double v = 0; v <= f.y1() + step / 1e6; v += step) {
            yTick(sb, f.py(v), v == 0, label(yAxis, v, f.y1()));
        }
    }

    private static void yTick(StringBuilder sb, double py, boolean base, String label) {
        final String y = Numbers.coordinate(py);
        sb.append("<line x1=\"").append(LEFT).append("\" x2=\"").append(LEFT + PLOT_WIDTH).append("\" y1=\"")
            .append(y).append("\" y2=\"").append(y).append("\" stroke=\"").append(base ? "#9aa3b1" : "#e3e6eb")
            .append("\"/>");
        sb.append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(Numbers.coordinate(py + 4))
            .append("\" text-anchor=\"end\" fill=\"#555e6e\">").append(Xml.escape(label)).append("</text>");
    }

    private void drawXAxis(StringBuilder sb, Frame f) {
        final double step = xAxis == Axis.PERCENTILE ? 1 : Ticks.step(f.x1() - f.x0());
        final double first = Math.ceil(f.x0() / step) * step;
        for (double v = first; v <= f.x1() + step / 1e6; v += step) {
            final String x = Numbers.coordinate(f.px(v));
            sb.append("<line x1=\"").append(x).append("\" x2=\"").append(x).append("\" y1=\"").append(TOP)
                .append("\" y2=\"").append(TOP + PLOT_HEIGHT + 4).append("\" stroke=\"#e3e6eb\"/>");
            sb.append("<text x=\"").append(x).append("\" y=\"").append(TOP + PLOT_HEIGHT + 16)
                .append("\" text-anchor=\"middle\" fill=\"#555e6e\">")
                .append(Xml.escape(label(xAxis, v, f.x1() - f.x0()))).append("</text>");
        }
        sb.append("<text x=\"").append(LEFT + PLOT_WIDTH / 2).append("\" y=\"").append(HEIGHT - 6)
            .append("\" text-anchor=\"middle\" fill=\"#555e6e\">").append(Xml.escape(xLabel)).append("</text>");
    }

    private void drawSeries(StringBuilder sb, Frame f, Series s) {
        sb.append("<g class=\"series\" data-name=\"").append(Xml.escape(s.name())).append("\" stroke=\"")
            .append(s.color()).append("\" fill=\"none\" stroke-width=\"1.6\" stroke-linejoin=\"round\"")
            .append(s.dashed() ? " stroke-dasharray=\"5 3\"" : "").append('>');
        final StringBuilder points = new StringBuilder();
        int inRun = 0;
        for (int i = 0; i <= s.x().length; i++) {
            final double px = i < s.x().length ? f.px(s.x()[i]) : Double.NaN;
            final double py = i < s.x().length ? f.py(s.y()[i]) : Double.NaN;
            if (Double.isFinite(px) && Double.isFinite(py)) {
                points.append(inRun++ == 0 ? "" : " ").append(Numbers.coordinate(px)).append(',')
                    .append(Numbers.coordinate(py));
                if (s.markers()) {
                    sb.append("<circle cx=\"").append(Numbers.coordinate(px)).append("\" cy=\"")
                        .append(Numbers.coordinate(py)).append("\" r=\"2\" fill=\"").append(s.color())
                        .append("\"/>");
                }
            } else if (inRun > 0) {
                sb.append("<polyline points=\"").append(points).append("\"/>");
                points.setLength(0);
                inRun = 0;
            }
        }
        sb.append("</g>");
    }

    /** A row under the title: a short line in each series' colour and dash, and its name. */
    private void drawLegend(StringBuilder sb) {
        double x = LEFT;
        for (Series s : series) {
            sb.append("<line x1=\"").append(Numbers.coordinate(x)).append("\" x2=\"").append(Numbers.coordinate(x + 18))
                .append("\" y1=\"32\" y2=\"32\" stroke=\"").append(s.color()).append("\" stroke-width=\"2\"")
                .append(s.dashed() ? " stroke-dasharray=\"5 3\"" : "").append("/>");
            sb.append("<text x=\"").append(Numbers.coordinate(x + 22)).append("\" y=\"36\" fill=\"#1d2330\">")
                .append(Xml.escape(s.name())).append("</text>");
            x += 22 + 6.2 * s.name().length() + 16;
        }
    }

    private static String label(Axis axis, double v, double scale) {
        return switch (axis) {
            case SECONDS -> Numbers.trim(v, scale < 5 ? 1 : 0) + " s";
            case COUNT -> Numbers.count(v);
            case MICROS -> v == 0 ? "0" : Numbers.micros(v, scale);
            case PERCENTILE -> percentileLabel((int) Math.round(v));
        };
    }

    /** 0 %, 90 %, 99 %, 99.9 % ... for 0, 1, 2, 3 ... on the percentile axis. */
    static String percentileLabel(int nines) {
        return switch (nines) {
            case 0 -> "0%";
            case 1 -> "90%";
            case 2 -> "99%";
            default -> "99." + "9".repeat(nines - 2) + "%";
        };
    }

    /** The largest finite y (or x when {@code ys} is false) of any series; NaN without one. */
    private double maxFinite(boolean ys) {
        double max = Double.NaN;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                final double v = ys ? s.y()[i] : s.x()[i];
                if (Double.isFinite(v) && Double.isFinite(ys ? s.x()[i] : s.y()[i])) {
                    max = Double.isNaN(max) ? v : Math.max(max, v);
                }
            }
        }
        return ys && Double.isNaN(max) ? 0 : max;
    }

    private double defaultXMax() {
        final double max = maxFinite(false);
        if (Double.isNaN(max)) {
            return xAxis == Axis.PERCENTILE ? 3 : 1;
        }
        return xAxis == Axis.PERCENTILE ? Math.max(2, Math.ceil(max - 1e-9)) : max;
    }
}
