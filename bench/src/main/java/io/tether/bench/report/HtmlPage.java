package io.tether.bench.report;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The frame the report pages share (index.html of {@code tether bench --report} and of the scale run): one
 * self-contained page, inline CSS and inline SVG only; nothing is fetched and no script runs, which its
 * Content-Security-Policy promises. The markup is well-formed XML (every element closed, only XML's own entities),
 * so any XML parser reads it. A page opens with its head and header, takes sections through {@link #html} and the
 * small pieces below, and {@link #end}s.
 */
final class HtmlPage {
    static final String CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
    static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z", Locale.ROOT)
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
        "tr.group th { background: #eef1f5; }",
        ".result { font-weight: 600; color: #1e8449; }",
        ".result.bad { color: #c0392b; }",
        ".plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); gap: 14px; }",
        "figure { margin: 0; background: #ffffff; border: 1px solid #dde1e7; border-radius: 6px; padding: 6px; }",
        "svg.plot { width: 100%; height: auto; display: block; }",
        ".note { color: #555e6e; max-width: 980px; }",
        ".columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 0 28px;",
        "  align-items: start; }",
        ".columns table { width: 100%; }",
        "td { overflow-wrap: anywhere; }",
        "code { font-family: ui-monospace, 'SFMono-Regular', Menlo, monospace; font-size: 13px; }");

    private final StringBuilder sb = new StringBuilder(64 * 1024);

    /** Opens the page: its head with {@code title}, and a header of {@code heading} over {@code line}. */
    HtmlPage(String title, String heading, String line) {
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>")
            .append("<meta http-equiv=\"Content-Security-Policy\" content=\"").append(CSP).append("\"/>")
            .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>")
            .append("<title>").append(Xml.escape(title)).append("</title><style>\n").append(STYLE)
            .append("\n</style></head>\n<body><header><h1>").append(Xml.escape(heading)).append("</h1><p>")
            .append(Xml.escape(line)).append("</p></header>\n<main>");
    }

    /** Where the page is written: markup goes in as it is, text through {@link Xml#escape}. */
    StringBuilder html() {
        return sb;
    }

    /** A figure in a card: a label over a value, red where {@code bad}. */
    void card(String label, String value, boolean bad) {
        sb.append("<div class=\"card").append(bad ? " bad" : "").append("\"><span>").append(Xml.escape(label))
            .append("</span><b>").append(Xml.escape(value)).append("</b></div>");
    }

    /** A table row of a name and its value. */
    void row(String name, String value) {
        sb.append("<tr><th>").append(Xml.escape(name)).append("</th><td>").append(Xml.escape(value))
            .append("</td></tr>");
    }

    /** The table cells of a latency's count, then each of {@code percentiles} (microseconds), right-aligned. */
    void latencyCells(long count, double... percentiles) {
        sb.append("<td class=\"n\">").append(String.format(Locale.ROOT, "%,d", count)).append("</td>");
        for (double v : percentiles) {
            sb.append("<td class=\"n\">").append(Xml.escape(Numbers.micros(v))).append("</td>");
        }
    }

    void figure(String svg) {
        sb.append("<figure>").append(svg).append("</figure>");
    }

    /** The machine section: what the run ran on, when it started, and the tether version. */
    void machine(Machine machine, Instant started, String version) {
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
        row("started", DATE.format(started));
        row("tether", version);
        sb.append("</table></section>");
    }

    /** Closes the page; returns all of it. */
    String end() {
        return sb.append("</main></body></html>\n").toString();
    }

    static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
