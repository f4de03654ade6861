package io.tether.telemetry.log;

import io.tether.telemetry.CounterSet;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Dropped log records by reason, counted from any thread with one atomic add. {@link #sync} copies what was
 * added since its last call into a {@link CounterSet} (the server's metrics: {@code tether stat}, /metrics,
 * OTLP); drops from before the counters existed are carried over by the first sync.
 */
public final class LogDrops {
    private final AtomicLongArray counts = new AtomicLongArray(DropReason.values().length);
    private final long[] synced = new long[DropReason.values().length];
    private volatile CounterSet target;

    public void add(DropReason reason, long n) {
        counts.getAndAdd(reason.ordinal(), n);
    }

    public long get(DropReason reason) {
        return counts.get(reason.ordinal());
    }

    /** Counts into {@code set} from now on (and what was counted before, at the next sync); null stops. */
    public void countInto(CounterSet set) {
        target = set;
        sync();
    }

    /** Adds the drops since the last sync to the counter set (from the once-a-second reporter). */
    synchronized void sync() {
        final CounterSet t = target;
        if (t == null) {
            return;
        }
        for (DropReason r : DropReason.values()) {
            final long now = counts.get(r.ordinal());
            final long delta = now - synced[r.ordinal()];
            if (delta != 0) {
                t.addShared(r.metric(), delta);
                synced[r.ordinal()] = now;
            }
        }
    }
}
