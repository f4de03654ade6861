package io.tether.engine.reactor;

import io.tether.telemetry.log.LogEvent;
import io.tether.telemetry.CounterSet;
import io.tether.telemetry.Counters;
import io.tether.telemetry.Metric;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One reactor thread: a {@link Selector}, the connections it owns, a timer wheel, one scratch receive buffer and
 * its counters. A connection's state is touched only here. Other threads hand work over through {@link #execute}
 * (commands) or the {@link OutboundRing} (frames), and wake the selector only when the loop is, or is about to be,
 * blocked in it.
 *
 * <p>Each cycle: selected keys (reads, writes, accepts), then commands, then the outbound ring, then the agents
 * (work an embedder runs in the loop's duty cycle), then one flush per dirty connection (writes are corked: a
 * connection is written at most once per cycle), then timers.
 */
public final class EventLoop implements Runnable {
    private static final LogEvent FAILED = LogEvent.error(EventLoop.class, "loop.failed");
    private static final LogEvent AGENT_FAILED = LogEvent.warn(EventLoop.class, "loop.agent.failed");
    private static final LogEvent KEY_FAILED = LogEvent.warn(EventLoop.class, "loop.key.failed");
    private static final LogEvent COMMAND_FAILED = LogEvent.warn(EventLoop.class, "loop.command.failed");
    private static final LogEvent TIMER_FAILED = LogEvent.warn(EventLoop.class, "loop.timer.failed");
    private static final LogEvent SELECTOR_CLOSE_FAILED = LogEvent.debug(EventLoop.class,
        "loop.selector.close.failed");
    public static final int SCRATCH_SIZE = 64 * 1024;
    private static final int RING_CAPACITY = 1 << 21;
    private static final long TICK_MS = 8;
    private static final int MAX_DIRTY = 128;

    private final String name;
    private final Selector selector;
    private final ManyToOneConcurrentLinkedQueue<Runnable> commands = new ManyToOneConcurrentLinkedQueue<>();
    private final OutboundRing ring = new OutboundRing(RING_CAPACITY);
    /** True while the loop runs; false while it blocks (or is about to block) in select. */
    private final AtomicBoolean awake = new AtomicBoolean(true);
    private final DeadlineTimerWheel timers;
    private final Long2ObjectHashMap<Runnable> timerTasks = new Long2ObjectHashMap<>();
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(SCRATCH_SIZE);
    private io.tether.tls.TlsBuffers tlsBuffers;
    private final UnsafeBuffer scratchView = new UnsafeBuffer(scratch);
    /** The one claim this loop's thread makes all its writes with (see {@link OutboundClaim#claim}). */
    private final OutboundClaim claim = new OutboundClaim(this);
    private final BufferPool pool = new BufferPool(256);
    private final ArrayList<Connection> dirty = new ArrayList<>();
    final ExpiryQueue handshakeDeadlines = new ExpiryQueue(Connection::onHandshakeDeadline);
    final ExpiryQueue lingerDeadlines = new ExpiryQueue(c -> c.closeNow(null));
    final ExpiryQueue slowConsumerDeadlines = new ExpiryQueue(Connection::checkSlowConsumer);
    private final CounterSet counters;
    private final SecureRandom random = new SecureRandom();
    private final Consumer<SelectionKey> onSelected = this::onSelected;
    private Connection[] connections = new Connection[64];
    private int[] freeSlots = new int[64];
    private int freeCount;
    private int nextSlot;
    /** The stamp of the connection registered last; each registration takes the next (see Connection#assignSlot). */
    private int lastStamp;
    private volatile boolean running = true;
    private Thread thread;
    private Agent[] agents = new Agent[0];
    /** Makes the virtual threads this loop starts on itself, on first use (loop thread only). */
    private ThreadFactory carried;
    /** True while {@link #startCarried} starts a thread (loop thread only). */
    private boolean startingCarried;

    /**
     * Work that runs in the loop's duty cycle, on the loop thread, after the reads and before the flush, so what it
     * writes goes out in the same write per connection as everything else of the cycle (a load generator's
     * open-loop sends, say). Added and removed on the loop thread.
     */
    public interface Agent {
        /** Does what is due by {@code nowNanos} ({@code System.nanoTime}); returns how much it did (0: nothing). */
        int doWork(long nowNanos);

        /** When the agent has work next ({@code System.nanoTime}); the loop does not sleep past it. */
        long nextDeadlineNanos();
    }

    EventLoop(String name, Counters counters) throws IOException {
        this.name = name;
        this.selector = Selector.open();
        this.counters = counters.newSet(name);
        this.timers = new DeadlineTimerWheel(TimeUnit.MILLISECONDS, nowMs(), TICK_MS, 512);
    }

    void start(boolean daemon) {
        thread = new EventLoopThread(this, name);
        thread.setDaemon(daemon);
        thread.start();
    }

    public String name() {
        return name;
    }

    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    public CounterSet counters() {
        return counters;
    }

    public OutboundRing outboundRing() {
        return ring;
    }

    BufferPool pool() {
        return pool;
    }

    public SecureRandom random() {
        return random;
    }

    public ByteBuffer scratch() {
        return scratch;
    }

    /** The loop's TLS buffers, lent to its TLS connections for the length of each call. */
    public io.tether.tls.TlsBuffers tlsBuffers() {
        if (tlsBuffers == null) {
            tlsBuffers = new io.tether.tls.TlsBuffers();
        }
        return tlsBuffers;
    }

    public UnsafeBuffer scratchView() {
        return scratchView;
    }

    OutboundClaim claim() {
        return claim;
    }

    public Selector selector() {
        return selector;
    }

    /**
     * Starts {@code task} on a virtual thread this loop carries: it runs among this loop's commands (in this cycle
     * when started while the loop reads), on this thread, and once it parks, its later continuations run on the
     * JDK's scheduler (see {@link LoopCarriedThreads} for why).
     * False, and nothing started, when this JVM cannot make such threads ({@link LoopCarriedThreads#unavailable()}).
     * Loop thread only.
     */
    public boolean startCarried(Runnable task) {
        assert inLoop();
        if (carried == null) {
            if (!LoopCarriedThreads.available()) {
                return false;
            }
            carried = LoopCarriedThreads.factory(this::scheduleCarried, "tether-handler@" + name);
        }
        startingCarried = true;
        try {
            carried.newThread(task).start();
        } finally {
            startingCarried = false;
        }
        return true;
    }

    /** The scheduler of {@link #startCarried}'s threads: their start is a command here, anything later is not. */
    private void scheduleCarried(Runnable continuation) {
        if (startingCarried && Thread.currentThread() == thread) {
            execute(continuation);
        } else {
            LoopCarriedThreads.runShared(continuation);
        }
    }

    /** The loop whose thread is the current one, or null on any other thread (a virtual thread it carries too). */
    public static EventLoop current() {
        return Thread.currentThread() instanceof EventLoopThread t ? t.loop() : null;
    }

    /** Runs {@code command} on this loop, soon. Safe from any thread. */
    public void execute(Runnable command) {
        commands.offer(command);
        wakeup();
    }

    /** Wakes the selector if the loop is blocked in it, or about to be; free when the loop is busy. */
    public void wakeup() {
        if (!awake.get() && awake.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    /** Runs {@code agent} in every cycle of this loop from now on. Loop thread only. */
    public void addAgent(Agent agent) {
        assert inLoop();
        final Agent[] next = java.util.Arrays.copyOf(agents, agents.length + 1);
        next[agents.length] = agent;
        agents = next;
    }

    /** Stops running {@code agent} (it may remove itself from its own {@link Agent#doWork}). Loop thread only. */
    public void removeAgent(Agent agent) {
        assert inLoop();
        agents = java.util.Arrays.stream(agents).filter(a -> a != agent).toArray(Agent[]::new);
    }

    /** Runs {@code task} at once when called on this loop, else hands it to the loop like {@link #execute}. */
    public void runInLoop(Runnable task) {
        if (inLoop()) {
            task.run();
        } else {
            execute(task);
        }
    }

    /**
     * Schedules a per-loop task (a periodic sweep, say) after {@code delayMs}. Per-connection deadlines go to an
     * {@link ExpiryQueue} instead.
     */
    public void schedule(long delayMs, Runnable task) {
        assert inLoop();
        timerTasks.put(timers.scheduleTimer(nowMs() + Math.max(delayMs, 1)), task);
    }

    public static long nowMs() {
        return System.nanoTime() / 1_000_000;
    }

    // ---- connection table: slots let ring records address a connection without a map lookup.

    void register(Connection c) {
        assert inLoop();
        final int slot = freeCount > 0 ? freeSlots[--freeCount] : nextSlot++;
        if (slot >= connections.length) {
            connections = java.util.Arrays.copyOf(connections, connections.length * 2);
        }
        connections[slot] = c;
        if (++lastStamp == 0) {
            lastStamp = 1; // 0 is the stamp of a connection never registered
        }
        c.assignSlot(slot, lastStamp);
    }

    void unregister(Connection c) {
        assert inLoop();
        final int slot = c.slot();
        if (slot >= 0 && connections[slot] == c) {
            connections[slot] = null;
            if (freeCount == freeSlots.length) {
                freeSlots = java.util.Arrays.copyOf(freeSlots, freeSlots.length * 2);
            }
            freeSlots[freeCount++] = slot;
        }
    }

    /** Every connection of this loop, for shutdown and heartbeats. Loop thread only. */
    public void forEachConnection(Consumer<Connection> action) {
        assert inLoop();
        for (int i = 0; i < nextSlot; i++) {
            final Connection c = connections[i];
            if (c != null) {
                action.accept(c);
            }
        }
    }

    void markDirty(Connection c) {
        if (!c.dirty) {
            c.dirty = true;
            dirty.add(c);
            if (dirty.size() >= MAX_DIRTY) {
                // A broadcast or a heartbeat sweep touches many connections in one cycle; flushing as it goes
                // returns their chunks to the pool instead of holding one per connection until the cycle ends.
                flushDirty();
            }
        }
    }

    // ---- the duty cycle

    @Override
    public void run() {
        try {
            while (running) {
                int work = 0;
                work += runCommands();
                work += drainRing();
                work += runAgents();
                work += flushDirty();
                final long now = nowMs();
                work += pollTimers(now);
                work += handshakeDeadlines.expire(now) + lingerDeadlines.expire(now)
                    + slowConsumerDeadlines.expire(now);
                select(work > 0);
            }
        } catch (Throwable t) {
            FAILED.fail(t, "loop", name);
        } finally {
            closeAll();
        }
    }

    private void select(boolean busy) throws IOException {
        if (busy) {
            selector.selectNow(onSelected);
            return;
        }
        awake.set(false);
        if (!commands.isEmpty() || !ring.isEmpty()) {
            awake.set(true);
            selector.selectNow(onSelected);
            return;
        }
        // The wheel has no "next deadline"; with timers or deadlines pending, wake once per tick to poll them.
        final boolean pending = timers.timerCount() > 0 || handshakeDeadlines.size() > 0
            || lingerDeadlines.size() > 0 || slowConsumerDeadlines.size() > 0;
        long timeoutMs = pending ? TICK_MS : 1000;
        if (agents.length > 0) {
            // select waits whole milliseconds: an agent due sooner than that gets the cycle now.
            final long waitMs = (nextAgentDeadline() - System.nanoTime()) / 1_000_000;
            if (waitMs <= 0) {
                awake.set(true);
                selector.selectNow(onSelected);
                return;
            }
            timeoutMs = Math.min(timeoutMs, waitMs);
        }
        selector.select(onSelected, timeoutMs);
        awake.set(true);
    }

    private int runAgents() {
        final Agent[] current = agents;
        if (current.length == 0) {
            return 0;
        }
        final long now = System.nanoTime();
        int work = 0;
        for (Agent agent : current) {
            try {
                work += agent.doWork(now);
            } catch (Throwable t) {
                AGENT_FAILED.fail(t, "loop", name, "agent", agent);
                removeAgent(agent);
            }
        }
        return work;
    }

    private long nextAgentDeadline() {
        long next = Long.MAX_VALUE;
        for (Agent agent : agents) {
            next = Math.min(next, agent.nextDeadlineNanos());
        }
        return next;
    }

    private void onSelected(SelectionKey key) {
        final Selectable s = (Selectable) key.attachment();
        try {
            s.onSelected(key);
        } catch (Throwable t) {
            KEY_FAILED.fail(t, "loop", name, "selectable", s);
            s.onFailure(t);
        }
    }

    private int runCommands() {
        int n = 0;
        Runnable r;
        while (n < 4096 && (r = commands.poll()) != null) {
            n++;
            try {
                r.run();
            } catch (Throwable t) {
                COMMAND_FAILED.fail(t, "loop", name);
            }
        }
        return n;
    }

    /** Appends everything producers have put in the ring so far. Loop thread. */
    public void drainOutbound() {
        while (drainRing() > 0) {
            // keep going until the ring is empty
        }
    }

    private int drainRing() {
        return ring.ring().read(this::onRecord, 4096);
    }

    private void onRecord(int type, org.agrona.MutableDirectBuffer buffer, int index, int length) {
        final int slot = buffer.getInt(index + OutboundRing.SLOT_OFFSET);
        final int stamp = buffer.getInt(index + OutboundRing.STAMP_OFFSET);
        final Connection c = slot >= 0 && slot < nextSlot ? connections[slot] : null;
        final int bodyIndex = index + OutboundRing.BODY_OFFSET;
        final int bodyLength = length - OutboundRing.BODY_OFFSET;
        if (c == null || c.stamp() != stamp || c.isClosing()) {
            // Closed, or closing: nothing may follow the Goodbye already queued.
            counters.increment(Metric.UNDELIVERED);
            return;
        }
        if (type == OutboundRing.FRAME) {
            c.appendFromRing(buffer, bodyIndex, bodyLength);
            counters.increment(Metric.FRAMES_OUT);
        } else if (type == OutboundRing.SIGNAL) {
            c.handler().onSignal(c);
        }
    }

    private int flushDirty() {
        final int n = dirty.size();
        if (n == 0) {
            return 0;
        }
        for (int i = 0; i < n; i++) {
            final Connection c = dirty.get(i);
            c.dirty = false;
            c.flush();
        }
        dirty.clear();
        return n;
    }

    /**
     * Expires every timer due by now. The wheel moves one tick per poll and the loop may have slept in select for up
     * to a second, so poll until the wheel has caught up with the clock; otherwise every timer after an idle spell
     * fires late by that spell.
     */
    private int pollTimers(long now) {
        int expired = timers.poll(now, this::onTimer, 1024);
        while (now >= timers.currentTickTime()) {
            expired += timers.poll(now, this::onTimer, 1024);
        }
        return expired;
    }

    private boolean onTimer(TimeUnit unit, long now, long timerId) {
        final Runnable task = timerTasks.remove(timerId);
        if (task != null) {
            try {
                task.run();
            } catch (Throwable t) {
                TIMER_FAILED.fail(t, "loop", name);
            }
        }
        return true;
    }

    /** Stops the loop after closing its connections; returns at once. */
    void shutdown() {
        running = false;
        selector.wakeup();
    }

    void awaitTermination(long timeoutMs) throws InterruptedException {
        if (thread != null) {
            thread.join(timeoutMs);
        }
    }

    private void closeAll() {
        for (SelectionKey key : selector.keys()) {
            ((Selectable) key.attachment()).closeNow();
        }
        try {
            selector.close();
        } catch (IOException e) {
            SELECTOR_CLOSE_FAILED.fail(e, "loop", name);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
