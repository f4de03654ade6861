package io.tether.telemetry.log;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.slf4j.event.Level;

/**
 * {@code tether serve}'s log output. Any thread hands records to a bounded lock-free queue ({@link #offer} never
 * waits: a full queue drops the record and counts it); one writer thread, {@code tether-log-writer}, formats them
 * and writes them to its {@link LogTarget}, and to the OTLP export when there is one. Only that thread touches
 * the target, so a stalled or failing target (a pipe nobody reads, a full disk, EIO) stalls or fails that thread
 * alone. Once a second it checks the log directory's free space against the {@link DiskGuard}'s marks.
 *
 * <p>Every record accepted is either written or counted as dropped: {@link #accepted()} equals {@link #written()}
 * plus the disk and write-error drops once the queue is empty.
 */
public final class LogPipeline implements LogOutput, AutoCloseable {
    private static final int BATCH_BYTES = 64 * 1024;

    private final LogControl control;
    private final LogTarget target;
    private final DiskGuard guard;
    private final OtelLogExport otel;
    private final PrintStream notices;
    private final ManyToOneConcurrentArrayQueue<LogRecord> queue;
    private final Thread writer;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final LogEvent diskLow;
    private final LogEvent diskOk;
    private final LogEvent resumed;
    private volatile LogFormat format;
    private volatile boolean parked;
    private volatile boolean running = true;
    private final StringBuilder batch = new StringBuilder(BATCH_BYTES + 4096);
    private int batched;
    private long nextCheckNanos;
    private long droppedHighSince;
    private long droppedLowSince;
    private boolean failing;

    /**
     * @param highWater for a file target, the free disk bytes below which DEBUG and INFO records are dropped
     * @param lowWater  for a file target, the free disk bytes below which file writes stop (streams have neither)
     * @param otel    the OTLP log export, or null
     * @param notices where the one-line notices about stopping and resuming file writes go (stderr)
     */
    public LogPipeline(LogControl control, LogTarget target, LogFormat format, int capacity, long highWater,
                       long lowWater, OtelLogExport otel, PrintStream notices) {
        this.control = control;
        this.target = target;
        this.format = format;
        this.guard = target.directory() == null ? null : new DiskGuard(target.directory(), highWater, lowWater);
        this.otel = otel;
        this.notices = notices;
        this.queue = new ManyToOneConcurrentArrayQueue<>(capacity);
        this.diskLow = control.internalEvent(Level.WARN, "log.disk.low");
        this.diskOk = control.internalEvent(Level.INFO, "log.disk.ok");
        this.resumed = control.internalEvent(Level.WARN, "log.resumed");
        this.writer = new Thread(this::run, "tether-log-writer");
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public boolean offer(LogRecord record) {
        if (!queue.offer(record)) {
            control.drops().add(DropReason.QUEUE_FULL, 1);
            return false;
        }
        accepted.incrementAndGet();
        if (parked) {
            LockSupport.unpark(writer);
        }
        return true;
    }

    /** Changes the format of the lines written from now on (live). */
    public void format(LogFormat f) {
        format = f;
    }

    public LogFormat format() {
        return format;
    }

    /** Records taken into the queue. */
    public long accepted() {
        return accepted.get();
    }

    /** Records written to the target. */
    public long written() {
        return written.get();
    }

    /** Whether the queue is empty and nothing waits in the writer's batch (tests). */
    public boolean idle() {
        return queue.isEmpty() && batched == 0;
    }

    private void run() {
        nextCheckNanos = System.nanoTime();
        while (running || !queue.isEmpty()) {
            final LogRecord r = queue.poll();
            if (r != null) {
                handle(r);
                if (batch.length() >= BATCH_BYTES) {
                    writeBatch();
                }
            } else {
                writeBatch();
                housekeeping();
                parked = true;
                if (queue.isEmpty() && running) {
                    LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
                }
                parked = false;
            }
            if (System.nanoTime() - nextCheckNanos >= 0) {
                writeBatch();
                housekeeping();
            }
        }
        writeBatch();
    }

    private void handle(LogRecord r) {
        if (otel != null) {
            otel.emit(r);
        }
        if (guard != null) {
            final DiskGuard.State s = guard.state();
            if (s == DiskGuard.State.LOW_WATER) {
                control.drops().add(DropReason.DISK_LOW_WATER, 1);
                droppedLowSince++;
                return;
            }
            if (s == DiskGuard.State.HIGH_WATER && r.level().toInt() <= Level.INFO.toInt()) {
                control.drops().add(DropReason.DISK_HIGH_WATER, 1);
                droppedHighSince++;
                return;
            }
        }
        format.format(r, batch);
        batched++;
    }

    private void writeBatch() {
        if (batched == 0) {
            return;
        }
        final byte[] bytes = batch.toString().getBytes(StandardCharsets.UTF_8);
        final int n = batched;
        batch.setLength(0);
        batched = 0;
        try {
            target.write(bytes, bytes.length);
            written.addAndGet(n);
            failing = false;
        } catch (IOException | RuntimeException e) {
            control.drops().add(DropReason.WRITE_ERROR, n);
            if (!failing) {
                failing = true;
                notices.println("tether: writing the log failed (" + e + "); records are dropped and counted "
                    + "until a write succeeds");
                notices.flush();
            }
            nextCheckNanos = System.nanoTime(); // a full disk shows up here first: look at once
        }
    }

    private void housekeeping() {
        final long now = System.nanoTime();
        if (now - nextCheckNanos < 0) {
            return;
        }
        nextCheckNanos = now + TimeUnit.SECONDS.toNanos(1);
        try {
            target.flush();
        } catch (IOException | RuntimeException e) {
            // counted when the next write fails
        }
        if (guard != null) {
            checkDisk();
        }
    }

    private void checkDisk() {
        long free = guard.free();
        DiskGuard.State next = guard.next(free);
        while (next == DiskGuard.State.LOW_WATER && target.deleteOldestRolled()) {
            free = guard.free(); // our own rolled files are the only thing we delete to make room
            next = guard.next(free);
        }
        final DiskGuard.State was = guard.state();
        if (next == was) {
            return;
        }
        guard.state(next);
        final long now = control.nowMillis();
        if (next == DiskGuard.State.LOW_WATER) {
            notices.println("tether: the log directory " + guard.directory() + " has " + free + " bytes free, below "
                + "log-disk-low-water (" + guard.lowWater() + "): log file writes stopped until space comes back");
            notices.flush();
            return;
        }
        if (was == DiskGuard.State.LOW_WATER) {
            notices.println("tether: log file writes resumed (" + free + " bytes free); dropped while stopped: "
                + droppedLowSince + ", DEBUG and INFO dropped below high water: " + droppedHighSince);
            notices.flush();
            handleInternal(resumed, now, "free_bytes", free, "dropped_low_water", droppedLowSince,
                "dropped_high_water", droppedHighSince);
            droppedLowSince = 0;
            if (next == DiskGuard.State.OK) {
                droppedHighSince = 0;
            }
            return;
        }
        if (next == DiskGuard.State.HIGH_WATER) {
            handleInternal(diskLow, now, "free_bytes", free, "high_water", guard.highWater(), "dropping",
                "DEBUG,INFO");
        } else {
            handleInternal(diskOk, now, "free_bytes", free, "dropped_high_water", droppedHighSince);
            droppedHighSince = 0;
        }
    }

    private void handleInternal(LogEvent event, long now, Object... fields) {
        if (event.admit()) {
            accepted.incrementAndGet();
            handle(new LogRecord(now, event.level(), event.name(), event.logger(), fields, null, null, null));
        }
    }

    /** Writes what is queued, then stops the writer (at most {@code timeoutMs}) and closes the target. */
    @Override
    public void close() {
        close(5000);
    }

    public void close(long timeoutMs) {
        running = false;
        LockSupport.unpark(writer);
        try {
            writer.join(timeoutMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!writer.isAlive()) {
            target.close();
        }
        if (otel != null) {
            otel.close();
        }
    }
}
