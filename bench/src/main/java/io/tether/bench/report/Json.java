package io.tether.bench.report;

import io.tether.telemetry.log.LogFormat;
import java.util.Locale;
import java.util.Map;

/**
 * Writes summary.json from maps, strings, numbers and booleans, strings escaped as the JSON logs escape them: a
 * number that is not finite (an empty histogram's percentile) becomes null, as JSON has no NaN.
 */
final class Json {
    private Json() {
    }

    static String write(Object value) {
        final StringBuilder sb = new StringBuilder(2048);
        write(sb, value, "");
        return sb.append('\n').toString();
    }

    private static void write(StringBuilder sb, Object value, String indent) {
        switch (value) {
            case null -> sb.append("null");
            case Map<?, ?> map -> {
                sb.append('{');
                String comma = "";
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    sb.append(comma).append('\n').append(indent).append("  ");
                    LogFormat.string(String.valueOf(e.getKey()), sb);
                    sb.append(": ");
                    write(sb, e.getValue(), indent + "  ");
                    comma = ",";
                }
                sb.append(map.isEmpty() ? "" : "\n" + indent).append('}');
            }
            case Double d -> sb.append(Double.isFinite(d) ? String.format(Locale.ROOT, "%.3f", d) : "null");
            case Number n -> sb.append(n.longValue());
            case Boolean b -> sb.append(b);
            default -> LogFormat.string(value.toString(), sb);
        }
    }
}
