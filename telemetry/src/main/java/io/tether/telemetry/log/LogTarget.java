package io.tether.telemetry.log;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/** Where the writer thread puts formatted lines: a stream (stderr, a pipe) or a {@link RollingFile}. */
public interface LogTarget extends AutoCloseable {
    /** Writes whole lines; on an IOException nothing of them is left behind where that can be undone. */
    void write(byte[] bytes, int length) throws IOException;

    void flush() throws IOException;

    /** The directory whose free space the disk guard watches, or null (not a file). */
    default Path directory() {
        return null;
    }

    /** Deletes this target's oldest rolled file to make room; false when it has none. */
    default boolean deleteOldestRolled() {
        return false;
    }

    @Override
    void close();

    /** Lines to a stream (stderr, a pipe); the stream is not closed. */
    static LogTarget of(OutputStream out) {
        return new LogTarget() {
            @Override
            public void write(byte[] bytes, int length) throws IOException {
                out.write(bytes, 0, length);
            }

            @Override
            public void flush() throws IOException {
                out.flush();
            }

            @Override
            public void close() {
                try {
                    out.flush();
                } catch (IOException e) {
                    // nothing left to tell it to
                }
            }
        };
    }
}
