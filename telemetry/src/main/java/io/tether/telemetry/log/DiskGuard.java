package io.tether.telemetry.log;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The free space of the log directory against two marks: below {@code highWater} DEBUG and INFO records are
 * dropped, below {@code lowWater} nothing is written to files. Leaving a state needs an eighth of its mark more
 * than entering it, so a disk hovering at a mark does not flap. Read by the writer thread only.
 */
final class DiskGuard {
    enum State { OK, HIGH_WATER, LOW_WATER }

    private final Path directory;
    private final long highWater;
    private final long lowWater;
    private FileStore store;
    private State state = State.OK;

    DiskGuard(Path directory, long highWater, long lowWater) {
        this.directory = directory;
        this.highWater = highWater;
        this.lowWater = lowWater;
    }

    State state() {
        return state;
    }

    long highWater() {
        return highWater;
    }

    long lowWater() {
        return lowWater;
    }

    Path directory() {
        return directory;
    }

    /** Usable bytes in the directory's file system, or -1 when that cannot be read. */
    long free() {
        try {
            if (store == null) {
                Files.createDirectories(directory);
                store = Files.getFileStore(directory);
            }
            return store.getUsableSpace();
        } catch (IOException | SecurityException e) {
            store = null;
            return -1;
        }
    }

    /** The state for {@code free} bytes, given the state before (hysteresis); an unreadable size keeps it. */
    State next(long free) {
        if (free < 0) {
            return state;
        }
        final State s;
        if (free < lowWater || (state == State.LOW_WATER && free < lowWater + lowWater / 8)) {
            s = State.LOW_WATER;
        } else if (free < highWater || (state != State.OK && free < highWater + highWater / 8)) {
            s = State.HIGH_WATER;
        } else {
            s = State.OK;
        }
        return s;
    }

    void state(State s) {
        state = s;
    }
}
