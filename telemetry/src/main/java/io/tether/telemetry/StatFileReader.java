package io.tether.telemetry;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

/**
 * Reads a stat file ({@link StatFileDescriptor}) from another process: maps it read-only, so reading costs the
 * server nothing. Counters of one name are summed over their owners (the event loops).
 */
public final class StatFileReader {
    private final Path file;
    private final UnsafeBuffer header;
    private final CountersReader counters;

    private StatFileReader(Path file, UnsafeBuffer header, CountersReader counters) {
        this.file = file;
        this.header = header;
        this.counters = counters;
    }

    /**
     * Maps {@code file}. @throws StatFileException when it is not a stat file, is of another layout version, or is
     * too short for what its header says
     */
    public static StatFileReader open(Path file) throws IOException {
        final MappedByteBuffer map;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() < StatFileDescriptor.HEADER_LENGTH) {
                throw new StatFileException(file + " is not a tether stat file (" + ch.size() + " bytes)");
            }
            map = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
        }
        final UnsafeBuffer all = new UnsafeBuffer(map);
        if (all.getLongVolatile(StatFileDescriptor.MAGIC_OFFSET) != StatFileDescriptor.MAGIC) {
            throw new StatFileException(file + " is not a tether stat file (no magic)");
        }
        final int version = all.getInt(StatFileDescriptor.VERSION_OFFSET);
        if (version != StatFileDescriptor.VERSION) {
            throw new StatFileException(file + " has stat file layout version " + version + ", this tether reads "
                + "version " + StatFileDescriptor.VERSION + ": use the tether of the server that wrote it");
        }
        final int headerLength = all.getInt(StatFileDescriptor.HEADER_LENGTH_OFFSET);
        final int metadataLength = all.getInt(StatFileDescriptor.METADATA_LENGTH_OFFSET);
        final int valuesLength = all.getInt(StatFileDescriptor.VALUES_LENGTH_OFFSET);
        if (headerLength != StatFileDescriptor.HEADER_LENGTH || metadataLength < 0 || valuesLength < 0
            || (long) headerLength + metadataLength + valuesLength > all.capacity()) {
            throw new StatFileException(file + " is truncated or corrupt (its header does not match its length)");
        }
        return new StatFileReader(file, new UnsafeBuffer(all, 0, headerLength), new CountersReader(
            new UnsafeBuffer(all, headerLength, metadataLength),
            new UnsafeBuffer(all, headerLength + metadataLength, valuesLength)));
    }

    public Path file() {
        return file;
    }

    public long pid() {
        return header.getLong(StatFileDescriptor.PID_OFFSET);
    }

    public long startTimeMs() {
        return header.getLong(StatFileDescriptor.START_TIME_OFFSET);
    }

    public long heartbeatMs() {
        return header.getLongVolatile(StatFileDescriptor.HEARTBEAT_OFFSET);
    }

    /**
     * Why the server that writes this file is gone (its process is not alive, or its heartbeat is stale), or null
     * while it is alive.
     */
    public String whyGone(long nowMs) {
        final long pid = pid();
        if (ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
            return "the server (pid " + pid + ") is gone: no such process";
        }
        final long age = nowMs - heartbeatMs();
        if (age > StatFileDescriptor.STALE_AFTER_MS) {
            return "the server (pid " + pid + ") is gone or stuck: its heartbeat is " + age + " ms old";
        }
        return null;
    }

    /** Every counter summed over its owners, and every gauge, by name in file order. */
    public Values read() {
        final Map<String, Long> counterTotals = new LinkedHashMap<>();
        final Map<String, Long> gaugeValues = new LinkedHashMap<>();
        counters.forEach((value, id, label) -> {
            final int type = counters.getCounterTypeId(id);
            final int space = label.indexOf(' ');
            final String name = space < 0 ? label : label.substring(0, space);
            if (type == StatFileDescriptor.TYPE_COUNTER) {
                counterTotals.merge(name, value, Long::sum);
            } else if (type == StatFileDescriptor.TYPE_GAUGE) {
                gaugeValues.put(name, value);
            }
        });
        return new Values(System.nanoTime(), counterTotals, gaugeValues);
    }

    /** Counter totals and gauge values at one instant. */
    public record Values(long nanoTime, Map<String, Long> counters, Map<String, Long> gauges) {
    }

    /** A file that is not a stat file this tether can read. */
    public static final class StatFileException extends IOException {
        public StatFileException(String message) {
            super(message);
        }
    }
}
