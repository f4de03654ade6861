package io.tether.engine.admission;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Flapping by client id: the Hellos each client id sent in the last {@code flap-window}; one that sends more than
 * {@code client-flap-threshold} is banned for {@code flap-ban}. Hellos arrive on every loop, so the table is
 * guarded by a lock held only to count (no I/O, no waiting). Bounded by {@code admission-table-size} client ids:
 * idle ones are forgotten first; past the bound the least recently seen goes, ban or not (a table an attacker
 * could grow without bound would be the worse failure).
 */
public final class ClientFlaps {
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, ConnectWindow> windows = new LinkedHashMap<>(64, 0.75f, true);

    /**
     * Counts a Hello of {@code clientId} at {@code nowNanos}; returns the nanoseconds its ban lasts (0 when it may
     * go on). A Hello while banned is not counted: the ban runs from when the threshold was crossed.
     */
    public long hello(String clientId, long nowNanos, AdmissionSettings s) {
        if (s.clientFlapThreshold() <= 0) {
            return 0;
        }
        final long windowNanos = s.flapWindow().toNanos();
        lock.lock();
        try {
            ConnectWindow w = windows.get(clientId);
            if (w == null) {
                forgetIdle(nowNanos, windowNanos, s.admissionTableSize());
                w = new ConnectWindow(nowNanos);
                windows.put(clientId, w);
            }
            final long banned = w.bannedFor(nowNanos);
            if (banned > 0) {
                return banned;
            }
            if (w.count(nowNanos, windowNanos) > s.clientFlapThreshold()) {
                w.ban(nowNanos, s.flapBan().toNanos());
                return s.flapBan().toNanos();
            }
            return 0;
        } finally {
            lock.unlock();
        }
    }

    private void forgetIdle(long nowNanos, long windowNanos, int bound) {
        final Iterator<ConnectWindow> it = windows.values().iterator();
        for (int i = 0; i < 2 && it.hasNext(); i++) {
            if (it.next().idle(nowNanos, windowNanos)) {
                it.remove();
            }
        }
        final Iterator<ConnectWindow> eldest = windows.values().iterator();
        while (windows.size() >= bound && eldest.hasNext()) {
            eldest.next();
            eldest.remove();
        }
    }

    /** Client ids tracked now. */
    public int size() {
        lock.lock();
        try {
            return windows.size();
        } finally {
            lock.unlock();
        }
    }
}
