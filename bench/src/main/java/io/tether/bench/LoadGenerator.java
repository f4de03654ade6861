package io.tether.bench;

import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.EventLoop;
import io.tether.engine.reactor.LoopGroup;
import io.tether.engine.server.Listener;
import io.tether.engine.transport.TlsTransport;
import io.tether.engine.transport.Transports;
import io.tether.telemetry.Counters;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * The load generator behind {@code tether bench}: real sockets on tether's own event loops, closed-loop
 * (pipelined) or open-loop (paced, timed from the intended send time, and from the actual send beside it),
 * every payload checked, latencies in HdrHistogram recorders written by one loop each and read once a second
 * for progress; the same interval histograms go to an interval listener (the report) with the run's sessions
 * and connects.
 */
public final class LoadGenerator {
    private static final long MAX_LATENCY_MICROS = TimeUnit.SECONDS.toMicros(60);

    private final BenchOptions options;
    private final LoopGroup loops;
    /** Each loop's share of the open-loop schedule, once it runs. */
    private final Pacer[] pacers;
    private final SingleWriterRecorder[] recorders;
    /** Open loop: how late each request left, from its intended send time; one per loop, like the latencies. */
    private final SingleWriterRecorder[] lagRecorders;
    /** Open loop: latency from the moment each request was written; one per loop. */
    private final SingleWriterRecorder[] actualRecorders;
    /** Requests awaiting their answer, per loop; each element is touched by its own loop only. */
    private final int[] inFlight;
    private final List<BenchConnection> sessions = new ArrayList<>();
    private final CountDownLatch settled;
    private final AtomicLong ready = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    /** Welcomes received: one a session, or one a handshake with {@code reconnect}. */
    private final LongAdder welcomes = new LongAdder();
    private final IntervalClock clock;
    private final java.util.Set<Integer> settledSlots = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean measuring;
    private volatile boolean sending = true;
    private volatile String lastFailure = "";
    private final io.tether.tls.TlsContext tls;

    private LoadGenerator(BenchOptions options, Consumer<BenchInterval> intervals) {
        this.options = options;
        this.clock = new IntervalClock(intervals, () -> ready.get() - failed.get(), welcomes::sum);
        this.loops = new LoopGroup("tether-bench", options.ioThreads(), new Counters(), true);
        this.recorders = new SingleWriterRecorder[loops.size()];
        this.lagRecorders = new SingleWriterRecorder[loops.size()];
        this.actualRecorders = new SingleWriterRecorder[loops.size()];
        this.inFlight = new int[loops.size()];
        this.pacers = new Pacer[loops.size()];
        for (int i = 0; i < recorders.length; i++) {
            recorders[i] = new SingleWriterRecorder(MAX_LATENCY_MICROS, 3);
            lagRecorders[i] = new SingleWriterRecorder(MAX_LATENCY_MICROS, 3);
            actualRecorders[i] = new SingleWriterRecorder(MAX_LATENCY_MICROS, 3);
        }
        this.settled = new CountDownLatch(options.sessions());
        this.tls = options.tls() == null ? null : io.tether.tls.TlsContext.forClient(options.tls());
    }

    /** Runs the whole bench; {@code progress} gets a line about once a second. */
    public static BenchResult run(BenchOptions options, Consumer<String> progress)
        throws IOException, InterruptedException {
        return run(options, progress, interval -> { });
    }

    /**
     * Runs the whole bench; {@code progress} gets a line about once a second, and {@code intervals} every
     * interval from the first connect to the end (on the calling thread, between progress lines).
     */
    public static BenchResult run(BenchOptions options, Consumer<String> progress, Consumer<BenchInterval> intervals)
        throws IOException, InterruptedException {
        final LoadGenerator g = new LoadGenerator(options, intervals);
        try {
            return g.execute(progress);
        } finally {
            g.loops.close();
        }
    }

    boolean openLoop() {
        return options.rate() > 0;
    }

    int pipeline() {
        return options.pipeline();
    }

    String method() {
        return options.method();
    }

    boolean reconnecting() {
        return options.reconnect();
    }

    /**
     * Reconnect mode: a session's handshake is done. The first one of each session counts it as connected; every
     * one after the warm-up is recorded; then the connection is dropped and a new one started on the same loop.
     */
    void handshakeDone(BenchConnection c, SingleWriterRecorder recorder, long nanos) {
        c.established = true;
        if (!settledSlots.contains(c.slot)) {
            sessionReady(c);
        }
        if (measuring) {
            recorder.recordValue(Math.max(1, nanos / 1_000));
        }
        final Connection old = c.connection();
        if (!options.tlsResume() && old.driver() instanceof TlsTransport t) {
            t.forgetTlsSession(); // the next connection of this run makes a full handshake
        }
        old.closeNow(null);
        if (sending) {
            try {
                open(old.loop(), c.slot, c.recorderIndex);
            } catch (IOException e) {
                failed.incrementAndGet();
                lastFailure = e.getMessage();
            }
        }
    }

    boolean measuring() {
        return measuring;
    }

    /** A Welcome arrived. Loop thread. */
    void welcomed() {
        welcomes.increment();
    }

    /** A request of a session on loop {@code loopIndex} was sent ({@code +1}) or answered ({@code -1}). Loop thread. */
    void inFlight(int loopIndex, int delta) {
        inFlight[loopIndex] += delta;
    }

    /** Requests of the sessions on loop {@code loopIndex} awaiting their answer. That loop's thread. */
    int inFlight(int loopIndex) {
        return inFlight[loopIndex];
    }

    boolean sending() {
        return sending;
    }

    void sessionReady(BenchConnection c) {
        ready.incrementAndGet();
        settle(c.slot);
    }

    /** Each session settles once: connected, or failed before its first Welcome. */
    private void settle(int slot) {
        if (settledSlots.add(slot)) {
            settled.countDown();
        }
    }

    void sessionClosed(BenchConnection c, int code, String reason) {
        if (!sending) {
            return; // the run is over: closing is expected
        }
        if (c.established && options.reconnect()) {
            return; // dropped on purpose after its handshake
        }
        failed.incrementAndGet();
        lastFailure = reason + " (" + code + ")";
        settle(c.slot);
    }

    private BenchResult execute(Consumer<String> progress) throws IOException, InterruptedException {
        connectAll(progress);
        final Histogram total = new Histogram(MAX_LATENCY_MICROS, 3);
        final Histogram totalActual = openLoop() ? new Histogram(MAX_LATENCY_MICROS, 3) : total;
        final Histogram totalLag = new Histogram(MAX_LATENCY_MICROS, 3);
        if (openLoop()) {
            startPacing();
        }
        clock.await(BenchInterval.Phase.WARMING_UP, System.nanoTime() + options.warmup().toNanos(), () -> false,
            LockSupport::parkNanos);
        interval(recorders); // discard what the warm-up recorded
        interval(lagRecorders);
        interval(actualRecorders);
        measuring = true;
        final long start = System.nanoTime();
        clock.end(BenchInterval.Phase.WARMING_UP, start, null, null, null);
        final long end = start + options.duration().toNanos();
        long nextReport = start + IntervalClock.TICK_NANOS;
        long lastReport = start;
        while (true) {
            final long now = System.nanoTime();
            if (now < end && now < nextReport) {
                LockSupport.parkNanos(Math.min(end, nextReport) - now);
                continue;
            }
            final boolean last = now >= end;
            if (last) {
                measuring = false; // what is answered from here on is not measured
            }
            final long t = System.nanoTime();
            final Histogram h = interval(recorders);
            total.add(h);
            final Histogram lag = interval(lagRecorders);
            totalLag.add(lag);
            final Histogram actual = openLoop() ? interval(actualRecorders) : h;
            if (actual != h) {
                totalActual.add(actual);
            }
            progress.accept(String.format("%6.1fs %,12.0f resp/s   p50 %s   p99 %s   sessions %d/%d%s",
                (t - start) / 1e9, h.getTotalCount() / ((t - lastReport) / 1e9),
                micros(h.getValueAtPercentile(50)), micros(h.getValueAtPercentile(99)),
                ready.get() - failed.get(), options.sessions(),
                openLoop() ? "   send lag p99 " + micros(lag.getValueAtPercentile(99)) : ""));
            clock.end(BenchInterval.Phase.MEASURING, t, h, actual, lag);
            lastReport = t;
            if (last) {
                break;
            }
            nextReport += IntervalClock.TICK_NANOS;
        }
        final double seconds = (lastReport - start) / 1e9;
        sending = false;
        closeAll();
        long errors = 0;
        long mismatches = 0;
        for (BenchConnection c : sessions) {
            errors += c.errors;
            mismatches += c.mismatches;
        }
        return new BenchResult(total.getTotalCount(), seconds, errors, mismatches, failed.get(), ready.get(), total,
            totalLag, totalActual);
    }

    /** What {@code from} recorded since the last call, all loops together. */
    private static Histogram interval(SingleWriterRecorder[] from) {
        final Histogram h = new Histogram(MAX_LATENCY_MICROS, 3);
        for (SingleWriterRecorder r : from) {
            h.add(r.getIntervalHistogram());
        }
        return h;
    }

    /** A latency in microseconds as people read it: 850us, 1.25ms. */
    public static String micros(double us) {
        return us >= 1000 ? String.format(java.util.Locale.ROOT, "%.2fms", us / 1000)
            : String.format(java.util.Locale.ROOT, "%.0fus", us);
    }

    private void connectAll(Consumer<String> progress) throws IOException, InterruptedException {
        final long begun = System.nanoTime();
        clock.begin(begun);
        for (int i = 0; i < options.sessions(); i++) {
            final int loopIndex = i % loops.size();
            final EventLoop loop = loops.get(loopIndex);
            final int slot = i;
            loop.execute(() -> {
                try {
                    open(loop, slot, loopIndex);
                } catch (IOException e) {
                    failed.incrementAndGet();
                    lastFailure = e.getMessage();
                    settled.countDown();
                }
            });
        }
        clock.await(BenchInterval.Phase.CONNECTING, begun + TimeUnit.MINUTES.toNanos(10),
            () -> settled.getCount() == 0, nanos -> settled.await(nanos, TimeUnit.NANOSECONDS));
        clock.end(BenchInterval.Phase.CONNECTING, System.nanoTime(), null, null, null);
        if (settled.getCount() > 0) {
            throw new IOException("sessions did not connect within 10 min: " + ready.get() + " ready, " + failed.get()
                + " failed");
        }
        if (ready.get() == 0) {
            throw new IOException("no session could connect to " + options.target() + ": " + lastFailure);
        }
        progress.accept(String.format("connected %d sessions (%d failed%s)", ready.get(), failed.get(),
            failed.get() > 0 ? ": " + lastFailure : ""));
    }

    /** Opens one session's connection, on its loop. */
    private void open(EventLoop loop, int slot, int recorderIndex) throws IOException {
        final BenchConnection handler = new BenchConnection(this, recorders[recorderIndex],
            actualRecorders[recorderIndex], options.payloadBytes(), options.pipeline());
        handler.slot = slot;
        handler.recorderIndex = recorderIndex;
        if (!options.reconnect()) {
            synchronized (sessions) {
                sessions.add(handler);
            }
        }
        final List<java.net.InetAddress> sources = options.sourceAddresses();
        final SocketChannel channel = SocketChannel.open();
        try {
            if (!sources.isEmpty()) {
                channel.bind(new InetSocketAddress(sources.get(slot % sources.size()), 0));
            }
            Listener.configure(channel);
            final boolean connected = channel.connect(options.target().socketAddress());
            new Connection(loop, channel, handler, Transports.client(options.target(), tls))
                .open(connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Open loop: hands each loop its share of the schedule. Request {@code k} goes to session {@code k % n} at
     * {@code start + k / rate}; a loop sends the requests of its own sessions from its own deadline, so there is no
     * hand-off between threads per request.
     */
    private void startPacing() {
        final BenchConnection[] all;
        synchronized (sessions) {
            all = sessions.toArray(new BenchConnection[0]);
        }
        final int n = options.sessions();
        final double intervalNanos = 1e9 / options.rate();
        final long start = System.nanoTime();
        for (int i = 0; i < loops.size(); i++) {
            final int loopIndex = i;
            final BenchConnection[] mine = java.util.Arrays.stream(all).filter(c -> c.recorderIndex == loopIndex)
                .sorted(java.util.Comparator.comparingInt(c -> c.slot)).toArray(BenchConnection[]::new);
            if (mine.length == 0) {
                continue;
            }
            final EventLoop loop = loops.get(i);
            final Pacer pacer = new Pacer(this, loop, i, lagRecorders[i], mine, n, start, intervalNanos);
            pacers[i] = pacer;
            loop.execute(() -> {
                Pacer.reduceTimerSlack();
                loop.addAgent(pacer);
            });
        }
    }

    private void closeAll() throws InterruptedException {
        final CountDownLatch closed = new CountDownLatch(loops.size());
        for (int i = 0; i < loops.size(); i++) {
            final EventLoop loop = loops.get(i);
            final Pacer pacer = pacers[i];
            loop.execute(() -> {
                if (pacer != null) {
                    loop.removeAgent(pacer);
                }
                loop.forEachConnection(c -> c.closeNow(null));
                closed.countDown();
            });
        }
        closed.await(5, TimeUnit.SECONDS);
    }
}
