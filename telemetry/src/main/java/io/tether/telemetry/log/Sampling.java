package io.tether.telemetry.log;

/**
 * Sampling per (level, event): in each one-second window the first {@code first} records pass, then one in
 * {@code thereafter}. WARN and ERROR use the {@code error} pair, everything below them the other. With
 * {@code dryRun} every record passes and the summaries say what would have been dropped.
 */
public record Sampling(int first, int thereafter, int errorFirst, int errorThereafter, boolean dryRun) {
    /** zap's production default: 100 a second, then 1 in 100; errors the same, separately counted. */
    public static final Sampling DEFAULT = new Sampling(100, 100, 100, 100, false);

    public Sampling {
        if (first < 0 || errorFirst < 0) {
            throw new IllegalArgumentException("log-sample-first and log-error-sample-first must not be negative");
        }
        if (thereafter < 1 || errorThereafter < 1) {
            throw new IllegalArgumentException("log-sample-thereafter and log-error-sample-thereafter must be at "
                + "least 1 (1 keeps every record)");
        }
    }

    /** Records that pass out of {@code seen} in one window, with these rates. */
    static long passed(long seen, int first, int thereafter) {
        return seen <= first ? seen : first + (seen - first) / thereafter;
    }
}
