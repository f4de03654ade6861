package io.tether.bench.report;

import java.math.BigDecimal;
import java.util.Locale;

/** How the report prints numbers: counts as 1.5k and 2.3M, latencies (microseconds) in µs, ms or s. */
final class Numbers {
    private Numbers() {
    }

    /** A count or a rate: 850, 1.5k, 2.3M; below 10 with one decimal. */
    static String count(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        final double a = Math.abs(v);
        if (a >= 1e6) {
            return trim(v / 1e6, 1) + "M";
        }
        if (a >= 1e3) {
            return trim(v / 1e3, 1) + "k";
        }
        return trim(v, a < 10 ? 1 : 0);
    }

    /** A latency in microseconds for a table: 850 µs, 1.25 ms, 2.10 s. */
    static String micros(double us) {
        if (Double.isNaN(us)) {
            return "–";
        }
        if (us >= 1e6) {
            return String.format(Locale.ROOT, "%.2f s", us / 1e6);
        }
        return us >= 1e3 ? String.format(Locale.ROOT, "%.2f ms", us / 1e3) : String.format(Locale.ROOT, "%.0f µs", us);
    }

    /** {@code us} in the unit that suits {@code scale} (an axis's largest value), with up to two decimals. */
    static String micros(double us, double scale) {
        if (scale >= 1e6) {
            return trim(us / 1e6, 2) + " s";
        }
        if (scale >= 1e3) {
            return trim(us / 1e3, 2) + " ms";
        }
        return trim(us, us < 10 && us != Math.rint(us) ? 1 : 0) + " µs";
    }

    /** {@code v} with at most {@code decimals} decimals and no trailing zeros. */
    static String trim(double v, int decimals) {
        final String s = String.format(Locale.ROOT, "%." + decimals + "f", v);
        final String t = new BigDecimal(s).stripTrailingZeros().toPlainString();
        return t.equals("-0") ? "0" : t;
    }

    /** A number for an SVG coordinate. */
    static String coordinate(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
