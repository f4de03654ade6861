package io.tether.telemetry.log;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.event.Level;

/**
 * The level setting: a global level, then overrides by prefix of an event name or of a logger name, e.g.
 * {@code info,session.=debug,io.tether.engine.reactor=warn}. The longest matching prefix wins; {@code off} turns
 * everything it matches off.
 */
public final class LogLevels {
    /** Rank of a level; {@link #OFF} is above every level. */
    static final int OFF = Integer.MAX_VALUE;

    private final String spec;
    private final int global;
    private final List<String> prefixes;
    private final int[] ranks;

    private LogLevels(String spec, int global, List<String> prefixes, int[] ranks) {
        this.spec = spec;
        this.global = global;
        this.prefixes = prefixes;
        this.ranks = ranks;
    }

    /** Parses a level setting; throws IllegalArgumentException naming what is wrong. */
    public static LogLevels parse(String spec) {
        int global = rank("info");
        final List<String> prefixes = new ArrayList<>();
        final List<Integer> ranks = new ArrayList<>();
        for (String part : spec.split("\\s*,\\s*")) {
            if (part.isBlank()) {
                continue;
            }
            final int eq = part.indexOf('=');
            if (eq < 0) {
                global = rank(part);
            } else {
                final String prefix = part.substring(0, eq).trim();
                if (prefix.isEmpty()) {
                    throw new IllegalArgumentException("'" + part + "' names no event or logger prefix");
                }
                prefixes.add(prefix);
                ranks.add(rank(part.substring(eq + 1).trim()));
            }
        }
        final int[] r = new int[ranks.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = ranks.get(i);
        }
        return new LogLevels(spec, global, List.copyOf(prefixes), r);
    }

    private static int rank(String name) {
        final String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("off")) {
            return OFF;
        }
        for (Level l : Level.values()) {
            if (l.name().toLowerCase(Locale.ROOT).equals(n) || (n.equals("warning") && l == Level.WARN)) {
                return l.toInt();
            }
        }
        throw new IllegalArgumentException("'" + name + "' is not a level (trace, debug, info, warn, error, off)");
    }

    /** The lowest level rank that passes for this event and logger ({@link #OFF}: nothing passes). */
    int threshold(String logger, String event) {
        int best = -1;
        int rank = global;
        for (int i = 0; i < prefixes.size(); i++) {
            final String p = prefixes.get(i);
            if (p.length() > best && (event.startsWith(p) || logger.startsWith(p))) {
                best = p.length();
                rank = ranks[i];
            }
        }
        return rank;
    }

    /** Whether this level of this event passes. */
    public boolean enabled(String logger, String event, Level level) {
        return level.toInt() >= threshold(logger, event);
    }

    @Override
    public String toString() {
        return spec;
    }
}
