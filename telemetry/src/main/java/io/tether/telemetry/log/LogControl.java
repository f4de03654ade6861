package io.tether.telemetry.log;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import org.slf4j.event.Level;

/**
 * The running logger's settings and state: levels, sampling, the output records go to, the dropped counts, and
 * the once-a-second sampling report. Every setting can change while the server runs ({@link #levels(LogLevels)},
 * {@link #sampling(Sampling)}, and the output's own format); a change bumps a generation that each
 * {@link LogEvent} checks with one volatile read.
 *
 * <p>The {@link #global()} control is what the code's {@code LogEvent} constants use; it starts with INFO,
 * {@link Sampling#DEFAULT} and the {@link Slf4jOutput}, and runs one daemon thread, {@code tether-log-sampling},
 * that closes every event's sampling window each second and writes one {@code log.suppressed} record with the
 * counts (nothing when nothing was dropped). Tests make their own control with a clock and call {@link #tick()}.
 */
public final class LogControl {
    private static final LogControl GLOBAL = new LogControl(System::currentTimeMillis, true);

    private final LongSupplier clock;
    private final List<LogEvent> events = new CopyOnWriteArrayList<>();
    private final LogDrops drops = new LogDrops();
    private final LogEvent suppressed;
    private volatile int generation;
    private volatile LogLevels levels = LogLevels.parse("info");
    private volatile Sampling sampling = Sampling.DEFAULT;
    private volatile LogOutput output = new Slf4jOutput();

    /** A control of its own (tests, benchmarks): {@link #tick()} is called by whoever owns it. */
    public LogControl(LongSupplier epochMillis) {
        this(epochMillis, false);
    }

    private LogControl(LongSupplier clock, boolean reporter) {
        this.clock = clock;
        this.suppressed = new LogEvent(this, "io.tether.log", Level.INFO, "log.suppressed", false);
        if (reporter) {
            final Thread t = new Thread(this::report, "tether-log-sampling");
            t.setDaemon(true);
            t.start();
        }
    }

    public static LogControl global() {
        return GLOBAL;
    }

    /** Declares an event of this control (each call is a bucket of its own: declare it once, as a constant). */
    public LogEvent event(String logger, Level level, String name) {
        final LogEvent e = new LogEvent(this, logger, level, name, true);
        events.add(e);
        return e;
    }

    /** An event of the logging machinery itself: levels apply, sampling does not. */
    LogEvent internalEvent(Level level, String name) {
        return new LogEvent(this, "io.tether.log", level, name, false);
    }

    int generation() {
        return generation;
    }

    long nowMillis() {
        return clock.getAsLong();
    }

    public LogLevels levels() {
        return levels;
    }

    public Sampling sampling() {
        return sampling;
    }

    public LogOutput output() {
        return output;
    }

    public LogDrops drops() {
        return drops;
    }

    /** Changes the levels of the running logger. */
    public synchronized void levels(LogLevels l) {
        levels = l;
        generation++;
    }

    /** Changes the sampling of the running logger (from the next record on). */
    public synchronized void sampling(Sampling s) {
        sampling = s;
        generation++;
    }

    /** Sends records to {@code o} from now on. */
    public synchronized void output(LogOutput o) {
        output = o;
        generation++;
    }

    private void report() {
        while (true) {
            try {
                Thread.sleep(1000);
                tick();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // A reporter that died would stop every window from closing; keep going.
            }
        }
    }

    /**
     * Closes every event's sampling window and writes one {@code log.suppressed} record with what each turned
     * away in it ({@code total}, {@code dry_run}, then one field per event: {@code "session.opened": 4900};
     * an event logged at two levels is keyed {@code name@LEVEL}). Returns the total. Also syncs the drop counts
     * into the metrics.
     */
    public long tick() {
        final Map<String, Long> counts = new LinkedHashMap<>();
        long total = 0;
        boolean dry = false;
        for (LogEvent e : events) {
            final long n = e.closeWindow();
            if (n > 0) {
                dry |= e.dryRun();
                total += n;
                counts.merge(e.name() + "@" + e.level(), n, Long::sum);
            }
        }
        if (total > 0) {
            if (!dry) {
                drops.add(DropReason.SAMPLED, total);
            }
            final List<Object> fields = new ArrayList<>();
            fields.add("total");
            fields.add(total);
            fields.add("dry_run");
            fields.add(dry);
            for (Map.Entry<String, Long> c : counts.entrySet()) {
                final String key = c.getKey();
                final String event = key.substring(0, key.lastIndexOf('@'));
                final boolean twice = counts.keySet().stream().filter(k -> k.startsWith(event + "@")).count() > 1;
                fields.add(twice ? key : event);
                fields.add(c.getValue());
            }
            if (suppressed.admit()) {
                output.offer(new LogRecord(nowMillis(), Level.INFO, "log.suppressed", "io.tether.log",
                    fields.toArray(), null, null, null));
            }
        }
        drops.sync();
        return total;
    }
}
