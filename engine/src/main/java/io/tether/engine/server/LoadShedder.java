package io.tether.engine.server;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.tether.engine.admission.AdmissionSettings;
import io.tether.engine.reactor.EventLoop;
import io.tether.telemetry.CounterSet;
import io.tether.telemetry.Metric;
import io.tether.telemetry.log.LogEvent;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Load shedding, so that existing sessions are the last to suffer. Every 50 ms, on the accept loop, it looks at the
 * event loops' lag ({@link LoopLagProbe}) and at the heap in use after the last collection:
 * <ul>
 *   <li>lag past {@code shed-loop-lag}: the listeners stop accepting (the kernel's backlog holds new
 *       connections, the loops get on with the sessions they have);</li>
 *   <li>lag past twice that, or the heap past {@code shed-heap-ratio}: new sessions are refused too (a Hello gets
 *       Goodbye 4008 with {@code retry_after_ms}), and the listeners stay paused.</li>
 * </ul>
 * It goes back to normal once the lag is under half of {@code shed-loop-lag} and the heap 5 points under its ratio,
 * so it does not flap at the edge.
 */
final class LoadShedder implements EventLoop.Agent {
    static final int NORMAL = 0;
    static final int NOT_ACCEPTING = 1;
    static final int REFUSING_SESSIONS = 2;
    private static final long PERIOD_NANOS = 50_000_000;
    private static final LogEvent SHEDDING = LogEvent.warn(LoadShedder.class, "admission.shedding");
    private static final LogEvent RECOVERED = LogEvent.info(LoadShedder.class, "admission.recovered");

    private final List<LoopLagProbe> probes;
    private final Supplier<AdmissionSettings> settings;
    private final CounterSet counters;
    private final Runnable pause;
    private final Runnable resume;
    private final List<Runnable> unsubscribe = new ArrayList<>();
    private volatile double heapAfterGc;
    private volatile int level = NORMAL;
    private long next;

    LoadShedder(List<LoopLagProbe> probes, Supplier<AdmissionSettings> settings, CounterSet counters,
                Runnable pause, Runnable resume) {
        this.probes = List.copyOf(probes);
        this.settings = settings;
        this.counters = counters;
        this.pause = pause;
        this.resume = resume;
        this.next = System.nanoTime() + PERIOD_NANOS;
        watchCollections();
    }

    /** NORMAL, NOT_ACCEPTING or REFUSING_SESSIONS (read from any loop). */
    int level() {
        return level;
    }

    /** The heap in use after the last collection, as a share of the maximum (0 before the first). */
    double heapAfterGc() {
        return heapAfterGc;
    }

    @Override
    public int doWork(long nowNanos) {
        if (nowNanos - next < 0) {
            return 0;
        }
        next = nowNanos + PERIOD_NANOS;
        final AdmissionSettings s = settings.get();
        long lag = 0;
        for (LoopLagProbe p : probes) {
            lag = Math.max(lag, p.lagNanos(nowNanos));
        }
        final long limit = s.shedLoopLag().toNanos();
        final double heap = heapAfterGc;
        final boolean heapOver = s.shedHeapRatio() > 0 && heap > s.shedHeapRatio();
        final int wanted;
        if (heapOver || (limit > 0 && lag > 2 * limit)) {
            wanted = REFUSING_SESSIONS;
        } else if (limit > 0 && lag > limit) {
            wanted = Math.max(NOT_ACCEPTING, level);
        } else if (level != NORMAL && (limit > 0 && lag > limit / 2
            || s.shedHeapRatio() > 0 && heap > s.shedHeapRatio() - 0.05)) {
            wanted = level; // not yet well under the limits
        } else {
            wanted = NORMAL;
        }
        move(wanted, lag, heap);
        return 0;
    }

    private void move(int wanted, long lag, double heap) {
        final int was = level;
        if (wanted == was) {
            return;
        }
        level = wanted;
        if (was == NORMAL) {
            counters.increment(Metric.SHED_PAUSES);
            pause.run();
            SHEDDING.log("level", wanted == REFUSING_SESSIONS ? "refusing_sessions" : "not_accepting",
                "loop_lag_ms", lag / 1_000_000, "heap_after_gc", String.format("%.2f", heap));
        } else if (wanted == NORMAL) {
            resume.run();
            RECOVERED.log("loop_lag_ms", lag / 1_000_000, "heap_after_gc", String.format("%.2f", heap));
        }
    }

    @Override
    public long nextDeadlineNanos() {
        return next;
    }

    private void watchCollections() {
        final long max = Runtime.getRuntime().maxMemory();
        final java.util.Set<String> heapPools = new java.util.HashSet<>();
        for (java.lang.management.MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP) {
                heapPools.add(pool.getName());
            }
        }
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (!(gc instanceof NotificationEmitter emitter)) {
                continue;
            }
            final NotificationListener listener = (Notification n, Object handback) -> {
                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                    return;
                }
                final GarbageCollectionNotificationInfo info =
                    GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                long used = 0;
                for (java.util.Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                    if (heapPools.contains(e.getKey())) {
                        used += e.getValue().getUsed();
                    }
                }
                heapAfterGc = max > 0 && max != Long.MAX_VALUE ? (double) used / max : 0;
            };
            emitter.addNotificationListener(listener, null, null);
            unsubscribe.add(() -> {
                try {
                    emitter.removeNotificationListener(listener);
                } catch (ListenerNotFoundException ignored) {
                    // gone already
                }
            });
        }
    }

    /** Stops listening to the collector (the server is closing). */
    void close() {
        unsubscribe.forEach(Runnable::run);
    }
}
