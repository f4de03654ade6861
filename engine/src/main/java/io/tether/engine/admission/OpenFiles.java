package io.tether.engine.admission;

import java.lang.management.ManagementFactory;

/**
 * The process's limit of open files, and the connections admission control lets it hold under that limit. A
 * process at its limit cannot accept (the listener's {@code accept} fails with "Too many open files") and cannot
 * open anything else either: a link to another node, an etcd connection, a certificate file. So the server refuses
 * new connections a little before the limit, as a counted refusal ({@link Refusal#OPEN_FILES}), and keeps room for
 * what it opens besides its clients.
 */
public final class OpenFiles {
    /** Files kept free for the server's own use at least, above those it has open when it starts. */
    static final long MIN_RESERVE = 100;

    private OpenFiles() {
    }

    /**
     * The connections this process may hold: its open-file limit less the files open now and a reserve of a
     * twentieth of the limit (at least {@value #MIN_RESERVE}); {@link Integer#MAX_VALUE} where the limit cannot be
     * read.
     */
    public static int connectionCeiling() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            return ceiling(os.getMaxFileDescriptorCount(), os.getOpenFileDescriptorCount());
        }
        return Integer.MAX_VALUE;
    }

    /** {@link #connectionCeiling()} for a {@code limit} with {@code open} files open now (either below 1: none). */
    static int ceiling(long limit, long open) {
        if (limit <= 0 || open < 0) {
            return Integer.MAX_VALUE;
        }
        final long room = limit - open - Math.max(MIN_RESERVE, limit / 20);
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, room));
    }
}
