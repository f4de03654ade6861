package io.tether.telemetry;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The layout of the stat file: the counters a server keeps in shared memory so that {@code tether stat} can read
 * them from another process, as Aeron's CnC file does for AeronStat. Numbers are in the native byte order
 * (little-endian on x86-64 and aarch64), as Agrona writes counters.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 magic: the bytes "TETHSTAT"                   |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                   layout version (int)                        |  8
 *  +---------------------------------------------------------------+
 *  |               header length, 128 (int)                        | 12
 *  +---------------------------------------------------------------+
 *  |                 pid of the server (long)                      | 16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |           start time, epoch milliseconds (long)               | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |   heartbeat, epoch ms, stored every 250 ms (long, ordered)    | 32
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |             metadata length in bytes (int)                    | 40
 *  +---------------------------------------------------------------+
 *  |              values length in bytes (int)                     | 44
 *  +---------------------------------------------------------------+
 *  |                 zero up to the header length                  | 48
 *  +---------------------------------------------------------------+
 *  |  Agrona counters metadata: 512 bytes per counter; the label   | 128
 *  |  is "NAME OWNER" for counters ("frames-in tether-io-0") and   |
 *  |  "NAME" for gauges; type id 1 is a counter (summed over its   |
 *  |  owners), 2 a gauge                                           |
 *  +---------------------------------------------------------------+
 *  |  Agrona counters values: 128 bytes per counter, the value     | 128 + metadata length
 *  |  a long at the start of each                                  |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * A reader checks the magic and the version before anything else, and takes the server for gone when the pid is
 * not alive or the heartbeat is older than {@link #STALE_AFTER_MS}.
 */
public final class StatFileDescriptor {
    /** "TETHSTAT" read as a little-endian long. */
    public static final long MAGIC = 0x5441545348544554L;
    public static final int VERSION = 1;
    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int HEADER_LENGTH_OFFSET = 12;
    public static final int PID_OFFSET = 16;
    public static final int START_TIME_OFFSET = 24;
    public static final int HEARTBEAT_OFFSET = 32;
    public static final int METADATA_LENGTH_OFFSET = 40;
    public static final int VALUES_LENGTH_OFFSET = 44;
    public static final int HEADER_LENGTH = 128;

    public static final int TYPE_COUNTER = 1;
    public static final int TYPE_GAUGE = 2;

    public static final long HEARTBEAT_INTERVAL_MS = 250;
    public static final long STALE_AFTER_MS = 3_000;

    private StatFileDescriptor() {
    }

    /** The directory stat files go to by default: /dev/shm where it exists (memory, never disk), else the tmpdir. */
    public static Path defaultDirectory() {
        final Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** The default file of the process with this pid. */
    public static Path defaultFile(long pid) {
        return defaultDirectory().resolve("tether-" + pid + ".stat");
    }
}
