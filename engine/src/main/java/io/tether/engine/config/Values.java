package io.tether.engine.config;

import java.time.Duration;
import java.util.Locale;

/** Parsing of human-written durations ({@code 30s}, {@code 500ms}, {@code 2m}) and sizes ({@code 1MiB}). */
public final class Values {
    private Values() {
    }

    public static Duration parseDuration(String text) {
        final String s = text.trim().toLowerCase(Locale.ROOT);
        int i = 0;
        while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (examples: 500ms, 30s, 2m, 1h)");
        }
        final double amount = Double.parseDouble(s.substring(0, i));
        final String unit = s.substring(i).trim();
        final double millis = switch (unit) {
            case "ms" -> amount;
            case "s", "" -> amount * 1_000;
            case "m", "min" -> amount * 60_000;
            case "h" -> amount * 3_600_000;
            case "us", "µs" -> amount / 1_000;
            default -> throw new IllegalArgumentException("'" + text + "': unknown unit '" + unit
                + "' (use ms, s, m or h)");
        };
        return Duration.ofNanos(Math.round(millis * 1_000_000));
    }

    public static long parseSize(String text) {
        final String s = text.trim();
        int i = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("'" + text + "' is not a size (examples: 65536, 64KiB, 1MiB)");
        }
        final long amount = Long.parseLong(s.substring(0, i));
        final long unit = switch (s.substring(i).trim().toLowerCase(Locale.ROOT)) {
            case "", "b" -> 1;
            case "k", "kb", "kib" -> 1L << 10;
            case "m", "mb", "mib" -> 1L << 20;
            case "g", "gb", "gib" -> 1L << 30;
            default -> throw new IllegalArgumentException("'" + text + "': unknown unit (use B, KiB, MiB or GiB)");
        };
        return Math.multiplyExact(amount, unit);
    }

    public static String formatDuration(Duration d) {
        final long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms != 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms != 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1_000 == 0 && ms != 0) {
            return ms / 1_000 + "s";
        }
        return ms + "ms";
    }

    public static String formatSize(long bytes) {
        if (bytes != 0 && bytes % (1L << 30) == 0) {
            return bytes / (1L << 30) + "GiB";
        }
        if (bytes != 0 && bytes % (1L << 20) == 0) {
            return bytes / (1L << 20) + "MiB";
        }
        if (bytes != 0 && bytes % (1L << 10) == 0) {
            return bytes / (1L << 10) + "KiB";
        }
        return Long.toString(bytes);
    }
}
