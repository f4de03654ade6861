package io.tether.bench;

import com.google.protobuf.ByteString;
import io.tether.engine.client.TetherClient;
import io.tether.engine.config.ListenAddress;
import io.tether.engine.reactor.LoopGroup;
import io.tether.engine.server.BuiltinMethods;
import io.tether.session.Backoff;
import io.tether.session.ClientState;
import io.tether.telemetry.Counters;
import io.tether.telemetry.Metric;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.ToLongFunction;
import org.HdrHistogram.Histogram;

/**
 * {@code tether bench --storm}: a reconnect storm against the server's admission control. {@code sessions}
 * resuming {@link TetherClient}s connect to the storm listener and receive numbered pushes (the built-in
 * {@code send}, from pusher clients on the control listener, checked per session as in {@link ChaosBench});
 * a control group on the control listener makes echo requests open loop at a fixed rate, each timed from its
 * intended send time. After a quiet phase every storm client resets its connection at once (TCP reset, no Goodbye,
 * as a network failure would; the server keeps the sessions) and all of them reconnect after their first backoff
 * delay, which the storm clients draw in [0, backoff base). The run measures the connections admitted per second
 * (the server's {@code connections-accepted}, when a counter reader is given, and the clients' Welcomes), the time
 * until every client is back, the control group's latency in the storm against the quiet phase, and pushes lost.
 *
 * <p>Storm clients, pushers and the control group run on three separate client loops, so the control group's
 * latency is not the storm clients' own loop catching up; they still share the machine's cores with the server.
 */
public final class StormBench {
    private static final long MAX_MICROS = TimeUnit.SECONDS.toMicros(60);
    private static final int PUSHERS = 4;

    /**
     * What to run. {@code acceptRate} and {@code acceptBurst} are the server's settings (0: no accept rate), used
     * only for the expected time and the check; {@code quiet} is the phase before the cut.
     */
    public record Options(ListenAddress storm, ListenAddress control, int sessions, int controlSessions,
                          double controlRate, double pushRate, Duration quiet, Duration backoffBase,
                          Duration backoffCap, int acceptRate, int acceptBurst, Duration maxStorm) {
        public Options {
            if (sessions < 1 || controlSessions < 1) {
                throw new IllegalArgumentException("--sessions and --control-sessions must be at least 1");
            }
            if (controlRate <= 0 || pushRate <= 0) {
                throw new IllegalArgumentException("--control-rate and --push-rate must be positive");
            }
        }

        /** Seconds the accept rate needs for everyone: what is past the burst, at the rate (0 without a rate). */
        public double impliedSeconds() {
            return acceptRate <= 0 ? 0 : Math.max(0, sessions - acceptBurst) / (double) acceptRate;
        }

        /** The implied time plus the longest backoff delay a client may draw. */
        public double boundSeconds() {
            return impliedSeconds() + backoffCap.toNanos() / 1e9;
        }
    }

    /**
     * What a storm found. Times are seconds from the cut. {@code serverRate} is NaN without a server counter;
     * the rates are over the admissions past the burst up to 90 % of them (see {@link #steadyRate}).
     * {@code perSecond} is the Welcomes of reconnected clients in each second after the cut.
     */
    public record Result(int sessions, double cutSeconds, int back, long resumed, long sessionsLost,
                         double p50BackSeconds, double p99BackSeconds, double allBackSeconds,
                         double impliedSeconds, double boundSeconds, double serverRate, double clientRate,
                         long serverAccepted, long refusedAcceptRate, long acceptsQueued, long shedPauses,
                         long[] perSecond, long[] serverPerSecond,
                         Histogram quiet, Histogram storm, long controlFailed, long pushesSent, long pushesReceived,
                         long pushesLost, long duplicated, long outOfOrder, long pushesFailed, String firstFailure) {
        public boolean allBack() {
            return back == sessions;
        }

        /** A few lines for people: the storm, the control group, the pushes. */
        public String summary() {
            return String.format(java.util.Locale.ROOT,
                "  %-24s %,d sessions reset within %.0f ms; back %,d (%,d resumed, %d new sessions)%n"
                    + "  %-24s p50 %.2f s  p99 %.2f s  all %.2f s  (rate implies %.2f s, bound %.2f s)%n"
                    + "  %-24s server %.0f/s (%,d accepted, %,d queued, %,d refused, %d shed pauses), clients %.0f/s%n"
                    + "  %-24s %s%n"
                    + "  %-24s %s%n"
                    + "  %-24s quiet p99 %s (%,d)  storm p99 %s (%,d)  max %s  failed %d%n"
                    + "  %-24s %,d sent, %,d received, %d lost, %d duplicated, %d out of order, %d failed%s",
                "storm", sessions, cutSeconds * 1000, back, resumed, sessionsLost,
                "back after the cut", p50BackSeconds, p99BackSeconds, allBackSeconds, impliedSeconds, boundSeconds,
                "admitted (steady)", serverRate, serverAccepted, acceptsQueued, refusedAcceptRate, shedPauses,
                clientRate,
                "Welcomes per second", Arrays.toString(perSecond),
                "admitted per second", Arrays.toString(serverPerSecond),
                "control requests", LoadGenerator.micros(quietP99Micros()), quiet.getTotalCount(),
                LoadGenerator.micros(stormP99Micros()), storm.getTotalCount(),
                LoadGenerator.micros(storm.getTotalCount() == 0 ? 0 : storm.getMaxValue()), controlFailed,
                "pushes", pushesSent, pushesReceived, pushesLost, duplicated, outOfOrder, pushesFailed,
                firstFailure == null ? "" : "\n  first failure            " + firstFailure);
        }

        public double quietP99Micros() {
            return quiet.getTotalCount() == 0 ? 0 : quiet.getValueAtPercentile(99);
        }

        public double stormP99Micros() {
            return storm.getTotalCount() == 0 ? 0 : storm.getValueAtPercentile(99);
        }
    }

    private StormBench() {
    }

    /**
     * Runs one storm. {@code server} reads a server counter's total (null when the server's counters cannot be
     * read); {@code progress} gets a line about once a second.
     */
    public static Result run(Options o, ToLongFunction<Metric> server, Consumer<String> progress)
        throws IOException, InterruptedException {
        final int n = o.sessions();
        final ChaosBench.Inbox[] inboxes = new ChaosBench.Inbox[n];
        final TetherClient[] storm = new TetherClient[n];
        final String[] ids = new String[n];
        final TetherClient[] control = new TetherClient[o.controlSessions()];
        final TetherClient[] pushers = new TetherClient[PUSHERS];
        final AtomicLongArray backAt = new AtomicLongArray(n);
        final AtomicInteger back = new AtomicInteger();
        final AtomicLong resumed = new AtomicLong();
        final AtomicLong lost = new AtomicLong();
        final AtomicLong cutAt = new AtomicLong(Long.MAX_VALUE);
        final List<Timed> timings = new ArrayList<>();
        final ChaosBench.Failures controlFailures = new ChaosBench.Failures();
        final ChaosBench.Failures pushFailures = new ChaosBench.Failures();
        final AtomicLongArray pushed = new AtomicLongArray(n);
        final AtomicLong pushesInFlight = new AtomicLong();
        final AtomicBoolean running = new AtomicBoolean(true);
        try (LoopGroup stormLoops = new LoopGroup("storm-client", 1, new Counters(), true);
             LoopGroup pushLoops = new LoopGroup("storm-pusher", 1, new Counters(), true);
             LoopGroup controlLoops = new LoopGroup("storm-control", 1, new Counters(), true)) {
            try {
                connectAll(n, i -> {
                    final ChaosBench.Inbox inbox = inboxes[i] = new ChaosBench.Inbox();
                    final int index = i;
                    storm[i] = TetherClient.builder().clientId("storm-" + i).loops(stormLoops)
                        .backoff(o.backoffBase(), o.backoffCap(), Backoff.UNLIMITED)
                        .onPush(p -> inbox.accept(ChaosBench.number(p)))
                        .onStateChange(t -> {
                            if (t.to() == ClientState.ESTABLISHED && cutAt.get() != Long.MAX_VALUE
                                && backAt.compareAndSet(index, 0, System.nanoTime())) {
                                if ("resumed".equals(t.cause())) {
                                    resumed.incrementAndGet();
                                } else {
                                    lost.incrementAndGet();
                                }
                                back.incrementAndGet();
                            }
                        })
                        .connect(o.storm().toString());
                    ids[i] = storm[i].sessionId();
                }, progress);
                for (int i = 0; i < control.length; i++) {
                    control[i] = TetherClient.builder().clientId("control-" + i).loops(controlLoops)
                        .connect(o.control().toString());
                }
                for (int i = 0; i < PUSHERS; i++) {
                    pushers[i] = TetherClient.builder().clientId("pusher-" + i).loops(pushLoops)
                        .connect(o.control().toString());
                }
                final long[] numbers = new long[n];
                final int[] nextSession = {0};
                final Thread pushPacer = pace("storm-push-pacer", o.pushRate(), running, intended -> {
                    final int i = nextSession[0];
                    nextSession[0] = (i + 1) % n;
                    final long number = ++numbers[i];
                    pushesInFlight.incrementAndGet();
                    pushers[i % PUSHERS].request(BuiltinMethods.SEND,
                            ByteString.copyFrom(ByteBuffer.allocate(8).putLong(0, number)),
                            Map.of("to", ids[i], "topic", "storm"))
                        .orTimeout(30, TimeUnit.SECONDS)
                        .whenComplete((r, e) -> {
                            if (e == null && r.getStatus() == 0) {
                                pushed.incrementAndGet(i);
                            } else {
                                pushFailures.add(e != null ? String.valueOf(e) : "status " + r.getStatus() + ": "
                                    + r.getError());
                            }
                            pushesInFlight.decrementAndGet();
                        });
                });
                final int[] nextControl = {0};
                final ByteString echo = ByteString.copyFrom(new byte[64]);
                final Thread controlPacer = pace("storm-control-pacer", o.controlRate(), running, intended -> {
                    final TetherClient c = control[nextControl[0]];
                    nextControl[0] = (nextControl[0] + 1) % control.length;
                    c.request("echo", echo).orTimeout(30, TimeUnit.SECONDS)
                        .whenComplete((r, e) -> {
                            final long done = System.nanoTime();
                            if (e == null && r.getStatus() == 0) {
                                synchronized (timings) {
                                    timings.add(new Timed(intended, done - intended));
                                }
                            } else {
                                controlFailures.add(e != null ? String.valueOf(e) : "status " + r.getStatus());
                            }
                        });
                });
                final long quietStart = System.nanoTime();
                park(quietStart + o.quiet().toNanos(), () -> false);
                progress.accept(String.format("  quiet phase over: %,d pushes sent, %,d received",
                    sum(pushed), ChaosBench.totalReceived(inboxes)));

                final long accepted0 = server == null ? 0 : server.applyAsLong(Metric.CONNECTIONS_ACCEPTED);
                final long refused0 = server == null ? 0 : server.applyAsLong(Metric.REFUSED_ACCEPT_RATE);
                final long queued0 = server == null ? 0 : server.applyAsLong(Metric.ACCEPTS_QUEUED);
                final long shed0 = server == null ? 0 : server.applyAsLong(Metric.SHED_PAUSES);
                final long cut = System.nanoTime();
                cutAt.set(cut);
                for (TetherClient c : storm) {
                    c.abort();
                }
                // The resets run on the storm loop in the order posted: this runs after the last of them.
                final CompletableFuture<Long> resetsDone = new CompletableFuture<>();
                stormLoops.get(0).execute(() -> resetsDone.complete(System.nanoTime()));
                final List<long[]> samples = new ArrayList<>(); // {nanos since cut, accepted since cut}
                final long giveUp = cut + o.maxStorm().toNanos();
                long nextReport = cut + TimeUnit.SECONDS.toNanos(1);
                long lastBack = 0;
                long lastAccepted = 0;
                while (back.get() < n && System.nanoTime() < giveUp) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                    final long now = System.nanoTime();
                    if (server != null) {
                        samples.add(new long[] {now - cut, server.applyAsLong(Metric.CONNECTIONS_ACCEPTED) - accepted0});
                    }
                    if (now >= nextReport) {
                        final long acceptedNow = samples.isEmpty() ? 0 : samples.getLast()[1];
                        progress.accept(String.format("  %4.0f s  back %,d/%,d  +%,d   server accepted +%s",
                            (now - cut) / 1e9, back.get(), n, back.get() - lastBack,
                            server == null ? "?" : String.format("%,d", acceptedNow - lastAccepted)));
                        lastBack = back.get();
                        lastAccepted = acceptedNow;
                        nextReport += TimeUnit.SECONDS.toNanos(1);
                    }
                }
                final long stormEnd = System.nanoTime();
                final double cutSeconds = (resetsDone.getNow(stormEnd) - cut) / 1e9;
                final long accepted = server == null ? -1 : server.applyAsLong(Metric.CONNECTIONS_ACCEPTED) - accepted0;
                final long refused = server == null ? -1 : server.applyAsLong(Metric.REFUSED_ACCEPT_RATE) - refused0;
                final long queued = server == null ? -1 : server.applyAsLong(Metric.ACCEPTS_QUEUED) - queued0;
                final long shed = server == null ? -1 : server.applyAsLong(Metric.SHED_PAUSES) - shed0;
                if (server != null) {
                    samples.add(new long[] {stormEnd - cut, accepted});
                }
                running.set(false);
                pushPacer.join();
                controlPacer.join();

                // Every push the server took (status 0) must arrive; wait for answers, then for stragglers.
                final long settleBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                park(settleBy, () -> pushesInFlight.get() == 0 && ChaosBench.totalReceived(inboxes) >= sum(pushed));

                final long[] times = new long[back.get()];
                int k = 0;
                for (int i = 0; i < n && k < times.length; i++) {
                    final long at = backAt.get(i);
                    if (at != 0) {
                        times[k++] = at - cut;
                    }
                }
                Arrays.sort(times, 0, k);
                final long[] t = Arrays.copyOf(times, k);
                final long[] perSecond = new long[t.length == 0 ? 0 : (int) (t[t.length - 1] / 1_000_000_000L) + 1];
                for (long x : t) {
                    perSecond[(int) (x / 1_000_000_000L)]++;
                }
                final double clientRate = steadyRate(t, o.acceptRate() > 0 ? o.acceptBurst() : 0);
                final double serverRate = server == null ? Double.NaN
                    : steadyRate(samples, accepted, o.acceptRate() > 0 ? o.acceptBurst() : 0);

                final Histogram quietH = new Histogram(MAX_MICROS, 3);
                final Histogram stormH = new Histogram(MAX_MICROS, 3);
                final long measureFrom = quietStart + TimeUnit.SECONDS.toNanos(1); // the first second warms up
                synchronized (timings) {
                    for (Timed x : timings) {
                        final long us = Math.min(MAX_MICROS, Math.max(1, x.nanos / 1000));
                        if (x.intended >= measureFrom && x.intended < cut) {
                            quietH.recordValue(us);
                        } else if (x.intended >= cut && x.intended <= stormEnd) {
                            stormH.recordValue(us);
                        }
                    }
                }
                final ChaosBench.Tally pushes = ChaosBench.tally(inboxes, pushed::get);
                return new Result(n, cutSeconds, back.get(), resumed.get(), lost.get(),
                    percentileSeconds(t, 50), percentileSeconds(t, 99),
                    back.get() == n && t.length > 0 ? t[t.length - 1] / 1e9 : Double.NaN,
                    o.impliedSeconds(), o.boundSeconds(), serverRate, clientRate, accepted, refused, queued, shed,
                    perSecond, perSecond(samples), quietH, stormH, controlFailures.count().get(), pushes.sent(), pushes.received(),
                    pushes.lost(), pushes.duplicated(), pushes.outOfOrder(), pushFailures.count().get(),
                    pushFailures.first().get() != null ? pushFailures.first().get() : controlFailures.first().get());
            } finally {
                running.set(false);
                closeAll(storm);
                closeAll(control);
                closeAll(pushers);
            }
        }
    }

    /** A control request: its intended send time and its latency from it. */
    private record Timed(long intended, long nanos) {
    }

    /** Connects session i with {@code connect}, 200 at a time, retrying a failed connect a few times. */
    private static void connectAll(int n, IoIntConsumer connect, Consumer<String> progress)
        throws IOException, InterruptedException {
        final Semaphore inFlight = new Semaphore(200);
        final AtomicInteger done = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicReference<IOException> failure =
            new java.util.concurrent.atomic.AtomicReference<>();
        final long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            long nextReport = start + TimeUnit.SECONDS.toNanos(1);
            for (int i = 0; i < n && failure.get() == null; i++) {
                while (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    if (System.nanoTime() >= nextReport) {
                        progress.accept(String.format("  connecting: %,d/%,d", done.get(), n));
                        nextReport += TimeUnit.SECONDS.toNanos(1);
                    }
                }
                final int index = i;
                pool.submit(() -> {
                    try {
                        for (int attempt = 1; ; attempt++) {
                            try {
                                connect.accept(index);
                                done.incrementAndGet();
                                return null;
                            } catch (IOException | RuntimeException e) {
                                if (attempt == 5) {
                                    failure.compareAndSet(null, e instanceof IOException io ? io
                                        : new IOException(e.toString(), e));
                                    return null;
                                }
                            }
                        }
                    } finally {
                        inFlight.release();
                    }
                });
            }
        }
        if (failure.get() != null || done.get() != n) {
            final IOException e = failure.get();
            throw new IOException("storm sessions connected: " + done.get() + " of " + n
                + (e == null ? "" : "; the first that could not: " + e.getMessage()), e);
        }
        progress.accept(String.format("  %,d storm sessions connected in %.1f s", n,
            (System.nanoTime() - start) / 1e9));
    }

    private interface IoIntConsumer {
        void accept(int i) throws IOException;
    }

    /**
     * A platform thread calling {@code send} with each intended send time, {@code perSecond} of them, on time or as
     * soon after it as it can, until {@code running} is false.
     */
    private static Thread pace(String name, double perSecond, AtomicBoolean running, LongConsumer send) {
        final double gap = 1e9 / perSecond;
        return Thread.ofPlatform().daemon().name(name).start(() -> {
            final long start = System.nanoTime();
            long k = 0;
            while (running.get()) {
                final long now = System.nanoTime();
                long due = start + (long) (k * gap);
                while (due <= now && running.get()) {
                    send.accept(due);
                    k++;
                    due = start + (long) (k * gap);
                }
                LockSupport.parkNanos(Math.min(due - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(5)));
            }
        });
    }

    /** Waits until {@code deadline} or until {@code done} holds, checking every 10 ms. */
    private static void park(long deadline, java.util.function.BooleanSupplier done) {
        while (!done.getAsBoolean()) {
            final long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(10)));
        }
    }

    /**
     * Admissions per second past the first {@code burst} (admitted at once from a full bucket) up to 90 % of
     * all: from sorted admission times in nanoseconds since the cut. With no burst (no accept rate) it starts at
     * 10 %. NaN when that window is empty.
     */
    static double steadyRate(long[] sortedNanos, int burst) {
        final int total = sortedNanos.length;
        final int from = burst > 0 ? burst : total / 10;
        final int to = (int) (total * 0.9) - 1;
        if (from >= to || sortedNanos[to] <= sortedNanos[from]) {
            return Double.NaN;
        }
        return (to - from) / ((sortedNanos[to] - sortedNanos[from]) / 1e9);
    }

    /** The same from counter samples ({nanos since cut, admitted since cut}); {@code total} admitted in all. */
    static double steadyRate(List<long[]> samples, long total, int burst) {
        final long from = burst > 0 ? burst : total / 10;
        final long to = (long) (total * 0.9);
        long[] a = null;
        long[] b = null;
        for (long[] s : samples) {
            if (a == null && s[1] >= from) {
                a = s;
            }
            if (b == null && s[1] >= to) {
                b = s;
            }
        }
        if (a == null || b == null || b[0] <= a[0] || b[1] <= a[1]) {
            return Double.NaN;
        }
        return (b[1] - a[1]) / ((b[0] - a[0]) / 1e9);
    }

    /** Admissions in each whole second after the cut, from counter samples (the last second may be partial). */
    static long[] perSecond(List<long[]> samples) {
        if (samples.isEmpty()) {
            return new long[0];
        }
        final long[] cumulative = new long[(int) (samples.getLast()[0] / 1_000_000_000L) + 1];
        for (long[] x : samples) { // samples are in time order: each second ends with its last sample's count
            cumulative[(int) (x[0] / 1_000_000_000L)] = x[1];
        }
        final long[] out = new long[cumulative.length];
        long before = 0;
        for (int k = 0; k < cumulative.length; k++) {
            cumulative[k] = Math.max(cumulative[k], before); // a second without a sample keeps the count
            out[k] = cumulative[k] - before;
            before = cumulative[k];
        }
        return out;
    }

    private static double percentileSeconds(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        final int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e9;
    }

    private static long sum(AtomicLongArray a) {
        long s = 0;
        for (int i = 0; i < a.length(); i++) {
            s += a.get(i);
        }
        return s;
    }

    /** Closes all clients, many at once (each waits for the server to close its side). */
    private static void closeAll(TetherClient[] clients) {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            final Semaphore inFlight = new Semaphore(500);
            for (TetherClient c : clients) {
                if (c == null) {
                    continue;
                }
                inFlight.acquireUninterruptibly();
                pool.submit(() -> {
                    try {
                        c.close();
                    } finally {
                        inFlight.release();
                    }
                });
            }
        }
    }
}
