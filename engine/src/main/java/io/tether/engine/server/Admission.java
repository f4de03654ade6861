package io.tether.engine.server;

import io.tether.engine.admission.AcceptOverflow;
import io.tether.engine.admission.AddressBlocks;
import io.tether.engine.admission.AdmissionSettings;
import io.tether.engine.admission.ClientFlaps;
import io.tether.engine.admission.HandshakeBreaker;
import io.tether.engine.admission.OpenFiles;
import io.tether.engine.admission.Refusal;
import io.tether.engine.admission.SourceTable;
import io.tether.engine.admission.TokenBucket;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.EventLoop;
import io.tether.telemetry.CounterSet;
import io.tether.telemetry.Metric;
import io.tether.telemetry.log.LogEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's admission control. Every accepted socket passes {@link #offer} on the accept loop before a byte of
 * it is read (no TLS handshake, no WebSocket upgrade, no Hello yet), cheapest check first; a refusal there is a
 * plain close, counted by its reason:
 * <ol>
 *   <li>the operator's ban list ({@code banned-addresses});</li>
 *   <li>per source address, unless it is in {@code admission-exempt}: a flapping ban, its open connections and its
 *       prefix's, its bucket of new connections, then its connect window (which may ban it);</li>
 *   <li>open connections of the server and of the listener, and the process's open-file limit
 *       ({@link OpenFiles}: refused a little below it even in dry-run, since past it nothing can be opened);</li>
 *   <li>the listener's handshake breaker ({@link HandshakeBreaker}; exempt addresses neither trip nor meet it);</li>
 *   <li>the accept rate: past it a connection is closed at once or held in a bounded queue until a token comes
 *       ({@code accept-overflow}); while the queue is full the listeners stop accepting, so the kernel's backlog
 *       holds the rest.</li>
 * </ol>
 * Load shedding ({@link LoadShedder}) pauses the listeners instead of refusing. The Hello is checked on its
 * session's loop ({@link #refuseHello}): banned client ids, flapping client ids, and shedding that refuses new
 * sessions, each answered with Goodbye 4008 and a {@code retry_after_ms}. In dry-run every refusal is counted and
 * nothing is refused.
 *
 * <p>An admitted connection holds a {@link Ticket} (its address, its listener, the server count, its breaker pass)
 * until it closes, on whichever loop that is.
 */
final class Admission implements EventLoop.Agent {
    private static final LogEvent REFUSED = LogEvent.debug(Admission.class, "admission.refused");
    private static final LogEvent CLOSE_FAILED = LogEvent.debug(Admission.class, "admission.close.failed");
    private static final int QUEUE_FULL = 1;
    private static final int SHED = 2;

    private final EventLoop loop;
    private final CounterSet counters;
    private final Adopter adopter;
    private final SourceTable sources = new SourceTable();
    private final ClientFlaps clientFlaps = new ClientFlaps();
    private final AtomicInteger open = new AtomicInteger();
    /** Connections the process's open-file limit leaves room for ({@link OpenFiles#connectionCeiling}). */
    private final int fileCeiling;
    private final ArrayDeque<Held> queue = new ArrayDeque<>();
    private List<Listener> listeners = List.of();
    private volatile AdmissionSettings settings;
    /** Parsed from the settings; read by every loop (the Hello checks), so swapped whole. */
    private volatile AddressBlocks exempt;
    private volatile AddressBlocks banned;
    private volatile Set<String> bannedClients;
    private TokenBucket accepts;
    /** Why the listeners are not accepting: QUEUE_FULL, SHED (bits); 0 while they accept. */
    private int paused;
    private volatile LoadShedder shedder;

    /** Hands an admitted socket on to a loop, with what it holds until it closes. */
    interface Adopter {
        void adopt(SocketChannel channel, Listener listener, Ticket ticket);
    }

    Admission(EventLoop loop, AdmissionSettings settings, int fileCeiling, Adopter adopter) {
        this.loop = loop;
        this.fileCeiling = fileCeiling;
        this.counters = loop.counters();
        this.adopter = adopter;
        configure(settings);
    }

    /** Starts shedding by the loops' lag and the heap (the accept loop). */
    void shedWith(List<LoopLagProbe> probes) {
        final LoadShedder s = new LoadShedder(probes, this::settings, counters, () -> pause(SHED),
            () -> resume(SHED));
        shedder = s;
        loop.addAgent(s);
    }

    /** Puts new settings in force (the accept loop; the first call from the constructor). */
    void configure(AdmissionSettings next) {
        exempt = AddressBlocks.parse(next.exempt());
        banned = AddressBlocks.parse(next.bannedAddresses());
        bannedClients = Set.copyOf(next.bannedClients());
        final long now = System.nanoTime();
        if (next.acceptRate() <= 0) {
            accepts = null;
        } else if (accepts == null) {
            accepts = new TokenBucket(next.acceptRate(), next.acceptBurst(), now);
        } else {
            accepts.configure(next.acceptRate(), next.acceptBurst());
        }
        settings = next;
        if (next.acceptOverflow() == AcceptOverflow.CLOSE || accepts == null) {
            drainAll();
        }
        if (queue.size() < next.acceptQueue()) {
            resume(QUEUE_FULL);
        }
    }

    void listeners(List<Listener> all) {
        this.listeners = List.copyOf(all);
    }

    AdmissionSettings settings() {
        return settings;
    }

    /** Connections admitted and not yet closed, queued ones included. */
    int open() {
        return open.get();
    }

    /** Connections waiting in the accept queue now. */
    int queued() {
        return queue.size();
    }

    /** An accepted socket (the accept loop): adopts it, holds it, or closes it. */
    void offer(SocketChannel channel, Listener listener) {
        final long now = System.nanoTime();
        final AdmissionSettings s = settings;
        final InetAddress address = remote(channel);
        if (address == null) {
            close(channel); // gone already
            return;
        }
        final boolean checked = !exempt.contains(address);
        SourceTable.Source source = null;
        Refusal refusal = banned.contains(address) ? Refusal.BANNED : null;
        if (refusal == null && checked) {
            source = sources.track(address, now, s);
            if (source == null) {
                counters.increment(Metric.ADMISSION_UNTRACKED);
            } else {
                refusal = sources.check(source, now, s);
            }
        }
        if (refusal == null) {
            refusal = countRefusal(listener, s);
        }
        HandshakeBreaker.Pass pass = null;
        if (refusal == null && checked) {
            pass = listener.breaker().tryPass(now, s);
            if (pass == null) {
                refusal = Refusal.BREAKER_OPEN;
            }
        }
        if (refusal != null && refused(refusal, address, listener, s)) {
            close(channel);
            return;
        }
        if (source != null) {
            sources.admit(source);
        }
        final Ticket ticket = new Ticket(this, source, listener, pass);
        if (accepts == null || (queue.isEmpty() && accepts.tryTake(now))) {
            adopter.adopt(channel, listener, ticket);
            return;
        }
        if (s.acceptOverflow() == AcceptOverflow.CLOSE) {
            if (refused(Refusal.ACCEPT_RATE, address, listener, s)) {
                ticket.release();
                close(channel);
            } else {
                adopter.adopt(channel, listener, ticket);
            }
            return;
        }
        counters.increment(Metric.ACCEPTS_QUEUED);
        queue.addLast(new Held(channel, address, listener, ticket, now));
        if (queue.size() >= s.acceptQueue()) {
            pause(QUEUE_FULL);
        }
    }

    private Refusal countRefusal(Listener listener, AdmissionSettings s) {
        if (s.maxConnections() > 0 && open.get() >= s.maxConnections()) {
            return Refusal.MAX_CONNECTIONS;
        }
        if (open.get() >= fileCeiling) {
            return Refusal.OPEN_FILES;
        }
        if (s.maxListenerConnections() > 0 && listener.open().get() >= s.maxListenerConnections()) {
            return Refusal.LISTENER_CONNECTIONS;
        }
        return null;
    }

    /** Counts a refusal at accept; whether to act on it (false in dry-run). */
    private boolean refused(Refusal refusal, InetAddress address, Listener listener, AdmissionSettings s) {
        counters.increment(refusal.metric());
        if (REFUSED.admit()) {
            REFUSED.write("reason", refusal.label(), "remote", address.getHostAddress(), "listener",
                listener.address(), "dry_run", s.dryRun());
        }
        return !s.dryRun() || refusal == Refusal.OPEN_FILES;
    }

    /**
     * Checks a Hello for a new session (its connection's loop): the milliseconds to put in the Goodbye 4008's
     * {@code retry_after_ms} when it is refused, or -1 when it may go on. A resume is never refused here: its
     * session exists already, and what it holds would be lost.
     */
    long refuseHello(Connection c, String clientId, long nowNanos) {
        final AdmissionSettings s = settings;
        Refusal refusal = null;
        long retryNanos = 0;
        final LoadShedder shed = shedder;
        if (shed != null && shed.level() == LoadShedder.REFUSING_SESSIONS) {
            refusal = Refusal.OVERLOADED;
            retryNanos = s.overloadRetryAfter().toNanos();
        } else if (!exempt(c.remoteAddress())) {
            if (bannedClients.contains(clientId)) {
                refusal = Refusal.BANNED;
                retryNanos = s.flapBan().toNanos();
            } else {
                final long ban = clientFlaps.hello(clientId, nowNanos, s);
                if (ban > 0) {
                    refusal = Refusal.FLAPPING;
                    retryNanos = ban;
                }
            }
        }
        if (refusal == null) {
            return -1;
        }
        c.loop().counters().increment(refusal.metric());
        if (REFUSED.admit()) {
            REFUSED.write("reason", refusal.label(), "remote", c.remoteAddress(), "client", clientId, "dry_run",
                s.dryRun());
        }
        return s.dryRun() ? -1 : Math.max(1, retryNanos / 1_000_000);
    }

    /** Whether a connection from {@code remote} skips the per-address, per-client and per-session limits. */
    boolean exempt(SocketAddress remote) {
        return !(remote instanceof InetSocketAddress a) || exempt.contains(a.getAddress());
    }

    @Override
    public int doWork(long nowNanos) {
        if (queue.isEmpty()) {
            return 0;
        }
        int work = 0;
        final AdmissionSettings s = settings;
        final long waitNanos = s.acceptQueueWait().toNanos();
        Held head;
        while ((head = queue.peekFirst()) != null) {
            if (nowNanos - head.since > waitNanos) {
                queue.pollFirst();
                if (refused(Refusal.ACCEPT_RATE, head.address, head.listener, s)) {
                    head.ticket.release();
                    close(head.channel);
                } else {
                    adopter.adopt(head.channel, head.listener, head.ticket);
                }
            } else if (accepts == null || accepts.tryTake(nowNanos)) {
                queue.pollFirst();
                adopter.adopt(head.channel, head.listener, head.ticket);
            } else {
                break;
            }
            work++;
        }
        if (queue.size() < s.acceptQueue()) {
            resume(QUEUE_FULL);
        }
        return work;
    }

    @Override
    public long nextDeadlineNanos() {
        final Held head = queue.peekFirst();
        if (head == null || accepts == null) {
            return Long.MAX_VALUE;
        }
        final long now = System.nanoTime();
        final long expiry = head.since + settings.acceptQueueWait().toNanos() + 1;
        return Math.min(expiry, now + Math.max(1, accepts.nanosUntilToken(now)));
    }

    /** Empties the queue when it was turned off: adopted with no rate left, closed (counted) with overflow close. */
    private void drainAll() {
        Held h;
        while ((h = queue.pollFirst()) != null) {
            if (accepts == null) {
                adopter.adopt(h.channel, h.listener, h.ticket);
            } else {
                counters.increment(Refusal.ACCEPT_RATE.metric());
                h.ticket.release();
                close(h.channel);
            }
        }
    }

    /** Closes what is queued and stops shedding, for a server that is stopping (the accept loop). */
    void close() {
        Held h;
        while ((h = queue.pollFirst()) != null) {
            h.ticket.release();
            close(h.channel);
        }
        final LoadShedder s = shedder;
        if (s != null) {
            s.close();
        }
    }

    private void pause(int reason) {
        final boolean was = paused != 0;
        paused |= reason;
        if (!was) {
            listeners.forEach(Listener::pause);
        }
    }

    private void resume(int reason) {
        if ((paused & reason) == 0) {
            return;
        }
        paused &= ~reason;
        if (paused == 0) {
            listeners.forEach(Listener::resume);
        }
    }

    /** Whether the listeners accept now (the accept loop). */
    boolean accepting() {
        return paused == 0;
    }

    private static InetAddress remote(SocketChannel channel) {
        try {
            return channel.getRemoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static void close(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            CLOSE_FAILED.fail(e);
        }
    }

    private record Held(SocketChannel channel, InetAddress address, Listener listener, Ticket ticket, long since) {
    }

    /**
     * What an admitted connection counts against until it closes, and its breaker pass: a handshake done reports a
     * healthy one; a close before it, a failed one. Released once, from any loop.
     */
    static final class Ticket implements Connection.Admitted {
        private final Admission admission;
        private final SourceTable.Source source;
        private final Listener listener;
        private final HandshakeBreaker.Pass pass;
        private final AtomicBoolean released = new AtomicBoolean();
        private volatile boolean handshakeDone;

        Ticket(Admission admission, SourceTable.Source source, Listener listener, HandshakeBreaker.Pass pass) {
            this.admission = admission;
            this.source = source;
            this.listener = listener;
            this.pass = pass;
            listener.open().incrementAndGet();
            admission.open.incrementAndGet();
        }

        @Override
        public void handshakeDone(Connection c) {
            if (!handshakeDone) {
                handshakeDone = true;
                outcome(c, true);
            }
        }

        @Override
        public void closed(Connection c) {
            if (!handshakeDone) {
                outcome(c, false);
            }
            release();
        }

        private void outcome(Connection c, boolean ok) {
            if (pass != null) {
                listener.breaker().outcome(pass, ok, System.nanoTime(), admission.settings);
            }
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                if (source != null) {
                    source.release();
                }
                listener.open().decrementAndGet();
                admission.open.decrementAndGet();
            }
        }
    }
}
