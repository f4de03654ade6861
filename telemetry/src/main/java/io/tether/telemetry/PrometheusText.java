package io.tether.telemetry;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Writes {@link Counters} in the Prometheus text exposition format (version 0.0.4), with the names OpenTelemetry's
 * Prometheus compatibility rules give the same instruments: dots become underscores, the unit {@code s} or
 * {@code By} becomes a {@code _seconds} or {@code _bytes} suffix (annotations such as {@code {frame}} are dropped),
 * and counters end in {@code _total}. Histograms are cumulative since the start, in seconds; their {@code _sum} is
 * derived from HdrHistogram's mean, so it carries the recorders' 1 % precision.
 */
public final class PrometheusText {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private PrometheusText() {
    }

    public static String write(Counters counters) {
        final StringBuilder out = new StringBuilder(8192);
        final Map<String, List<Metric>> families = new LinkedHashMap<>();
        for (Metric m : Metric.values()) {
            families.computeIfAbsent(m.exportName(), k -> new java.util.ArrayList<>()).add(m);
        }
        final Counters.Snapshot totals = counters.snapshot();
        for (Map.Entry<String, List<Metric>> f : families.entrySet()) {
            final Metric first = f.getValue().get(0);
            final String name = name(f.getKey(), first.unit()) + "_total";
            header(out, name, familyDescription(f.getValue()), "counter");
            for (Metric m : f.getValue()) {
                out.append(name);
                if (m.attributeKey() != null) {
                    out.append('{').append(label(m.attributeKey())).append("=\"").append(m.attributeValue())
                        .append("\"}");
                }
                out.append(' ').append(totals.get(m)).append('\n');
            }
        }
        for (Gauge g : counters.gauges()) {
            final String name = name(g.exportName(), g.unit());
            header(out, name, g.description(), "gauge");
            out.append(name).append(' ').append(g.value().getAsLong()).append('\n');
        }
        for (Latency l : Latency.values()) {
            histogram(out, l, counters.latency(l));
        }
        return out.toString();
    }

    private static void histogram(StringBuilder out, Latency l, Histogram h) {
        final String name = name(l.exportName(), "s");
        header(out, name, l.description(), "histogram");
        final String attribute = l.attributeKey() == null ? ""
            : label(l.attributeKey()) + "=\"" + l.attributeValue() + "\",";
        for (double bound : l.buckets()) {
            out.append(name).append("_bucket{").append(attribute).append("le=\"").append(bound).append("\"} ")
                .append(countAtMost(h, bound)).append('\n');
        }
        out.append(name).append("_bucket{").append(attribute).append("le=\"+Inf\"} ").append(h.getTotalCount())
            .append('\n');
        final String plain = attribute.isEmpty() ? "" : "{" + attribute.substring(0, attribute.length() - 1) + "}";
        out.append(name).append("_sum").append(plain).append(' ').append(sumSeconds(h)).append('\n');
        out.append(name).append("_count").append(plain).append(' ').append(h.getTotalCount()).append('\n');
    }

    /** Values at most {@code boundSeconds} (to HdrHistogram's precision). */
    static long countAtMost(Histogram h, double boundSeconds) {
        final long nanos = (long) (boundSeconds * 1e9);
        return h.getTotalCount() == 0 ? 0 : h.getCountBetweenValues(0, Math.min(nanos, h.getHighestTrackableValue()));
    }

    static double sumSeconds(Histogram h) {
        return h.getTotalCount() == 0 ? 0 : h.getMean() * h.getTotalCount() / 1e9;
    }

    private static void header(StringBuilder out, String name, String help, String type) {
        out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n"))
            .append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    static String familyDescription(List<Metric> members) {
        if (members.size() == 1) {
            return capitalized(members.get(0).description());
        }
        final StringBuilder sb = new StringBuilder();
        for (Metric m : members) {
            sb.append(sb.isEmpty() ? "" : "; ").append(m.attributeValue()).append(": ").append(m.description());
        }
        return sb.toString();
    }

    private static String capitalized(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** The Prometheus name of an OpenTelemetry instrument. */
    public static String name(String exportName, String unit) {
        final String base = exportName.replace('.', '_');
        final String suffix = switch (unit) {
            case "s" -> "_seconds";
            case "By" -> "_bytes";
            default -> "";
        };
        return base.endsWith(suffix) ? base : base + suffix;
    }

    private static String label(String key) {
        return key.replace('.', '_').toLowerCase(Locale.ROOT);
    }
}
