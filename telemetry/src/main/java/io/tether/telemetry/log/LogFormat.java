package io.tether.telemetry.log;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * How a record is written. {@code JSON}: one object per line, {@code ts} (ISO-8601 UTC, milliseconds),
 * {@code level}, {@code event}, {@code logger}, then {@code trace_id} and {@code span_id} when a span was current,
 * the fields, and {@code error} and {@code stack} for a failure. {@code TEXT}: the same on one line for people,
 * {@code ts LEVEL event key=value ...}, a stack trace on the lines after it.
 */
public enum LogFormat {
    JSON, TEXT;

    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
        .withZone(ZoneOffset.UTC);

    /** {@code json}, {@code text}, or {@code auto}: text when {@code terminal}, else json. */
    public static LogFormat fromFlag(String flag, boolean terminal) {
        return switch (flag.toLowerCase(Locale.ROOT)) {
            case "json" -> JSON;
            case "text" -> TEXT;
            case "auto" -> terminal ? TEXT : JSON;
            default -> throw new IllegalArgumentException("log-format must be auto, json or text, got '" + flag + "'");
        };
    }

    /** Appends the record and a newline. */
    public void format(LogRecord r, StringBuilder out) {
        if (this == JSON) {
            json(r, out);
        } else {
            text(r, out);
        }
    }

    private static void json(LogRecord r, StringBuilder out) {
        out.append("{\"ts\":\"");
        TS.formatTo(Instant.ofEpochMilli(r.epochMillis()), out);
        out.append("\",\"level\":\"").append(r.level().name()).append("\",\"event\":");
        string(r.event(), out);
        out.append(",\"logger\":");
        string(r.logger(), out);
        if (r.traceId() != null) {
            out.append(",\"trace_id\":\"").append(r.traceId()).append("\",\"span_id\":\"").append(r.spanId())
                .append('"');
        }
        final Object[] f = r.fields();
        for (int i = 0; i + 1 < f.length; i += 2) {
            out.append(',');
            string(String.valueOf(f[i]), out);
            out.append(':');
            value(f[i + 1], out);
        }
        if (r.error() != null) {
            out.append(",\"error\":");
            string(r.error().toString(), out);
            out.append(",\"stack\":");
            string(stack(r.error()), out);
        }
        out.append("}\n");
    }

    private static void value(Object v, StringBuilder out) {
        if (v == null) {
            out.append("null");
        } else if (v instanceof Boolean || v instanceof Long || v instanceof Integer || v instanceof Short
            || v instanceof Byte) {
            out.append(v);
        } else if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
            out.append(v);
        } else {
            string(v.toString(), out);
        }
    }

    /** Appends {@code s} as a JSON string: quoted, control characters and lone surrogates escaped. */
    public static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || Character.isSurrogate(c) && !validSurrogate(s, i)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static boolean validSurrogate(String s, int i) {
        final char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    private static void text(LogRecord r, StringBuilder out) {
        TS.formatTo(Instant.ofEpochMilli(r.epochMillis()), out);
        out.append(' ').append(r.level().name());
        for (int pad = r.level().name().length(); pad < 5; pad++) {
            out.append(' ');
        }
        out.append(' ').append(r.event());
        final Object[] f = r.fields();
        for (int i = 0; i + 1 < f.length; i += 2) {
            out.append(' ').append(f[i]).append('=');
            final String v = String.valueOf(f[i + 1]);
            if (v.isEmpty() || v.indexOf(' ') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0) {
                string(v, out);
            } else {
                out.append(v);
            }
        }
        if (r.traceId() != null) {
            out.append(" trace_id=").append(r.traceId()).append(" span_id=").append(r.spanId());
        }
        out.append('\n');
        if (r.error() != null) {
            out.append(stack(r.error()));
        }
    }

    private static String stack(Throwable t) {
        final StringWriter w = new StringWriter();
        try (PrintWriter p = new PrintWriter(w)) {
            t.printStackTrace(p);
        }
        return w.toString();
    }
}
