package io.tether.engine.admission;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What admission control knows of each source address: its open connections, those of its prefix (its /24 or
 * /64), its bucket of new connections and its connect window (flapping). Owned by the accept loop: every method
 * but {@link Source#release()}, which any loop calls when a connection closes, runs there.
 *
 * <p>Bounded: an address without open connections whose bucket is full again and whose window and ban have passed
 * is forgotten (two of the least recently seen are looked at on each new address, in access order); at most
 * {@code admission-table-size} addresses are tracked, and one more is admitted without per-address checks
 * ({@link #track} returns null) rather than evicting an address that still has connections or a ban.
 */
public final class SourceTable {
    private static final int SWEEP = 2;
    private static final int SWEEP_WHEN_FULL = 16;

    private final Map<InetAddress, Source> sources = new LinkedHashMap<>(64, 0.75f, true);
    private final Map<InetAddress, Prefix> prefixes = new HashMap<>();

    /** One source address. Its counts are released from any thread; everything else is the accept loop's. */
    public static final class Source extends OpenCount {
        final InetAddress address;
        final Prefix prefix;
        final ConnectWindow window;
        /** New connections from this address; null while ip-connect-rate is off. */
        TokenBucket connects;

        Source(InetAddress address, Prefix prefix, long nowNanos) {
            this.address = address;
            this.prefix = prefix;
            this.window = new ConnectWindow(nowNanos);
        }

        /** Counts one more open connection, from the accept loop. */
        void acquire() {
            add(1);
            prefix.add(1);
        }

        /** One connection of this address closed (any thread). */
        public void release() {
            add(-1);
            prefix.add(-1);
        }

        public InetAddress address() {
            return address;
        }
    }

    static final class Prefix extends OpenCount {
        final InetAddress network;
        /** Tracked addresses in this prefix (the accept loop's): the prefix is forgotten with the last. */
        int members;

        Prefix(InetAddress network) {
            this.network = network;
        }
    }

    /** Open connections, added to from the accept loop and taken from by any loop a connection closes on. */
    abstract static class OpenCount {
        private static final VarHandle OPEN;

        static {
            try {
                OPEN = MethodHandles.lookup().findVarHandle(OpenCount.class, "open", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused") // through OPEN
        private volatile int open;

        final void add(int delta) {
            OPEN.getAndAdd(this, delta);
        }

        public final int open() {
            return (int) OPEN.getVolatile(this);
        }
    }

    /**
     * Checks a new connection from {@code address}, cheapest check first: a ban (flapping), the address's and its
     * prefix's open connections, its connect bucket, then counts it in its connect window (which may ban it). Null
     * when it may go on; the caller then {@link #admit}s it once the global checks pass too.
     */
    public Refusal check(Source source, long nowNanos, AdmissionSettings s) {
        if (source.window.bannedFor(nowNanos) > 0) {
            return Refusal.FLAPPING;
        }
        if (s.maxIpConnections() > 0 && source.open() >= s.maxIpConnections()) {
            return Refusal.IP_CONNECTIONS;
        }
        if (s.maxPrefixConnections() > 0 && source.prefix.open() >= s.maxPrefixConnections()) {
            return Refusal.PREFIX_CONNECTIONS;
        }
        if (s.ipConnectRate() > 0) {
            if (source.connects == null) {
                source.connects = new TokenBucket(s.ipConnectRate(), s.ipConnectBurst(), nowNanos);
            } else {
                source.connects.configure(s.ipConnectRate(), s.ipConnectBurst());
            }
            if (!source.connects.tryTake(nowNanos)) {
                return Refusal.IP_RATE;
            }
        } else {
            source.connects = null;
        }
        if (s.ipFlapThreshold() > 0) {
            final long windowNanos = s.flapWindow().toNanos();
            if (source.window.count(nowNanos, windowNanos) > s.ipFlapThreshold()) {
                source.window.ban(nowNanos, s.flapBan().toNanos());
                return Refusal.FLAPPING;
            }
        }
        return null;
    }

    /** The connection passed every check: it counts against its address and prefix until it is released. */
    public void admit(Source source) {
        source.acquire();
    }

    /**
     * The entry of {@code address}, made if need be; null when {@code admission-table-size} addresses are tracked
     * and none can be forgotten.
     */
    public Source track(InetAddress address, long nowNanos, AdmissionSettings s) {
        final Source known = sources.get(address);
        if (known != null) {
            return known;
        }
        final long windowNanos = s.flapWindow().toNanos();
        sweep(nowNanos, windowNanos, SWEEP);
        if (sources.size() >= s.admissionTableSize() && sweep(nowNanos, windowNanos, SWEEP_WHEN_FULL) == 0) {
            return null;
        }
        final InetAddress network = SourceKeys.prefixOf(address, s.ipv4Prefix(), s.ipv6Prefix());
        final Prefix prefix = prefixes.computeIfAbsent(network, Prefix::new);
        prefix.members++;
        final Source made = new Source(address, prefix, nowNanos);
        sources.put(address, made);
        return made;
    }

    /** Looks at up to {@code max} of the least recently seen addresses and forgets the idle ones. */
    private int sweep(long nowNanos, long windowNanos, int max) {
        int removed = 0;
        final List<InetAddress> busy = new ArrayList<>(0);
        final Iterator<Source> it = sources.values().iterator();
        for (int i = 0; i < max && it.hasNext(); i++) {
            final Source s = it.next();
            if (s.open() == 0 && s.window.idle(nowNanos, windowNanos)
                && (s.connects == null || s.connects.isFull(nowNanos))) {
                it.remove();
                if (--s.prefix.members == 0) {
                    prefixes.remove(s.prefix.network);
                }
                removed++;
            } else {
                busy.add(s.address);
            }
        }
        for (InetAddress a : busy) {
            sources.get(a); // to the back of the access order, so the next sweep looks further
        }
        return removed;
    }

    /** Addresses tracked now. */
    public int size() {
        return sources.size();
    }

    /** Prefixes tracked now (never more than addresses). */
    int prefixCount() {
        return prefixes.size();
    }

    /** Open connections counted for {@code address}'s prefix, for tests and reports. */
    int prefixOpen(InetAddress address) {
        final Source s = sources.get(address);
        return s == null ? 0 : s.prefix.open();
    }
}
