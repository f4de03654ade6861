package io.tether.telemetry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * tether's counters, in Agrona counter buffers: lock-free, one writer per counter. Every event loop gets its own
 * {@link CounterSet}; totals are summed on read, so no two threads ever write the same cache line on the hot path.
 * Counters that many threads bump (handler errors from virtual threads) use atomic increments. Each set also holds
 * one latency recorder per {@link Latency}; {@link #latency} adds up what they recorded.
 *
 * <p>The buffers are either plain direct memory or a memory-mapped stat file ({@link #mapped}, layout in
 * {@link StatFileDescriptor}) that {@code tether stat} reads from another process. With a file, one daemon thread
 * stores the heartbeat and the gauges' values into it every 250 ms.
 */
public final class Counters implements AutoCloseable {
    private static final int DEFAULT_CAPACITY = 1024;

    private final CountersManager manager;
    private final List<CounterSet> sets = new ArrayList<>();
    private final List<Gauge> gauges = new ArrayList<>();
    private final List<AtomicCounter> gaugeCounters = new ArrayList<>();
    private final Histogram[] cumulative = new Histogram[Latency.values().length];
    private final Histogram interval = LatencyRecorder.newHistogram();
    private final ReentrantLock lock = new ReentrantLock();
    private final Path file;
    private final UnsafeBuffer header;
    private final ScheduledExecutorService heartbeat;
    private volatile boolean recordLatencies = true;

    /** Counters in plain direct memory, room for 1024. */
    public Counters() {
        this(DEFAULT_CAPACITY);
    }

    /** Counters in plain direct memory, room for {@code capacity}. */
    public Counters(int capacity) {
        this(null, null, new UnsafeBuffer(ByteBuffer.allocateDirect(capacity * CountersManager.METADATA_LENGTH)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(capacity * CountersManager.COUNTER_LENGTH)));
    }

    private Counters(Path file, UnsafeBuffer header, UnsafeBuffer metadata, UnsafeBuffer values) {
        this.manager = new CountersManager(metadata, values);
        this.file = file;
        this.header = header;
        for (Latency l : Latency.values()) {
            cumulative[l.ordinal()] = LatencyRecorder.newHistogram();
        }
        gauge("connections-open", "tether.server.active_connections", "{connection}",
            "Connections open now: accepted and not yet closed", this::openConnections);
        if (file == null) {
            heartbeat = null;
        } else {
            heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
                final Thread t = new Thread(r, "tether-stat-heartbeat");
                t.setDaemon(true);
                return t;
            });
            heartbeat.scheduleAtFixedRate(this::beat, 0, StatFileDescriptor.HEARTBEAT_INTERVAL_MS,
                TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Counters in a new stat file at {@code file} (replaced if it exists), with room for {@code capacity} counters;
     * the file is deleted by {@link #close}.
     */
    public static Counters mapped(Path file, int capacity) {
        final int metadataLength = capacity * CountersManager.METADATA_LENGTH;
        final int valuesLength = capacity * CountersManager.COUNTER_LENGTH;
        final long length = (long) StatFileDescriptor.HEADER_LENGTH + metadataLength + valuesLength;
        final MappedByteBuffer map;
        try {
            Files.deleteIfExists(file);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
                map = ch.map(FileChannel.MapMode.READ_WRITE, 0, length);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the stat file " + file + ": " + e.getMessage(), e);
        }
        map.order(ByteOrder.LITTLE_ENDIAN);
        final UnsafeBuffer all = new UnsafeBuffer(map);
        final UnsafeBuffer header = new UnsafeBuffer(all, 0, StatFileDescriptor.HEADER_LENGTH);
        header.putInt(StatFileDescriptor.HEADER_LENGTH_OFFSET, StatFileDescriptor.HEADER_LENGTH);
        header.putLong(StatFileDescriptor.PID_OFFSET, ProcessHandle.current().pid());
        header.putLong(StatFileDescriptor.START_TIME_OFFSET, System.currentTimeMillis());
        header.putLong(StatFileDescriptor.HEARTBEAT_OFFSET, System.currentTimeMillis());
        header.putInt(StatFileDescriptor.METADATA_LENGTH_OFFSET, metadataLength);
        header.putInt(StatFileDescriptor.VALUES_LENGTH_OFFSET, valuesLength);
        header.putInt(StatFileDescriptor.VERSION_OFFSET, StatFileDescriptor.VERSION);
        // Last and ordered: a reader that sees the magic sees the header complete.
        header.putLongOrdered(StatFileDescriptor.MAGIC_OFFSET, StatFileDescriptor.MAGIC);
        return new Counters(file, header,
            new UnsafeBuffer(all, StatFileDescriptor.HEADER_LENGTH, metadataLength),
            new UnsafeBuffer(all, StatFileDescriptor.HEADER_LENGTH + metadataLength, valuesLength));
    }

    /** The stat file, or null when the counters are in plain memory. */
    public Path statFile() {
        return file;
    }

    /**
     * Turns latency recording off (or on) for the sets made from now on: counters keep counting, histograms stay
     * empty. Call it before the first {@link #newSet}.
     */
    public Counters recordLatencies(boolean on) {
        this.recordLatencies = on;
        return this;
    }

    /** A new set of counters, one per {@link Metric}, for one writer (an event loop) named {@code owner}. */
    public CounterSet newSet(String owner) {
        lock.lock();
        try {
            final Metric[] metrics = Metric.values();
            final AtomicCounter[] counters = new AtomicCounter[metrics.length];
            for (Metric m : metrics) {
                counters[m.ordinal()] = manager.newCounter(m.label() + " " + owner, StatFileDescriptor.TYPE_COUNTER);
            }
            final CounterSet set = new CounterSet(owner, counters, recordLatencies);
            sets.add(set);
            return set;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Registers a value read at export time. {@code label} is its kebab-case name in {@code tether stat} (where it
     * is refreshed every 250 ms), {@code exportName} and {@code unit} its OpenTelemetry gauge.
     */
    public void gauge(String label, String exportName, String unit, String description, LongSupplier value) {
        lock.lock();
        try {
            gauges.add(new Gauge(label, exportName, unit, description, value));
            gaugeCounters.add(manager.newCounter(label, StatFileDescriptor.TYPE_GAUGE));
        } finally {
            lock.unlock();
        }
    }

    public List<Gauge> gauges() {
        lock.lock();
        try {
            return List.copyOf(gauges);
        } finally {
            lock.unlock();
        }
    }

    /** The sum over every set of one metric. */
    public long total(Metric metric) {
        lock.lock();
        try {
            long sum = 0;
            for (CounterSet set : sets) {
                sum += set.get(metric);
            }
            return sum;
        } finally {
            lock.unlock();
        }
    }

    /** Connections currently open: accepted minus closed. */
    public long openConnections() {
        return total(Metric.CONNECTIONS_ACCEPTED) - total(Metric.CONNECTIONS_CLOSED);
    }

    /**
     * Everything recorded of one latency since the start, in nanoseconds, over every set: a copy the caller owns.
     * Reading swaps each recorder's interval histogram (HdrHistogram's recorders make that safe against their
     * writers without stopping them), so it is meant for readers off the loops: a scrape, an export, the stats line.
     */
    public Histogram latency(Latency latency) {
        lock.lock();
        try {
            final Histogram total = cumulative[latency.ordinal()];
            for (CounterSet set : sets) {
                set.recorder(latency).drainInto(interval);
                total.add(interval);
            }
            return total.copy();
        } finally {
            lock.unlock();
        }
    }

    /** A consistent-enough copy of every total, for a stats line or an export. */
    public Snapshot snapshot() {
        final Metric[] metrics = Metric.values();
        final long[] values = new long[metrics.length];
        for (Metric m : metrics) {
            values[m.ordinal()] = total(m);
        }
        return new Snapshot(System.nanoTime(), values);
    }

    private void beat() {
        lock.lock();
        try {
            for (int i = 0; i < gauges.size(); i++) {
                gaugeCounters.get(i).setRelease(gauges.get(i).value().getAsLong());
            }
        } catch (RuntimeException e) {
            // A gauge that throws must not stop the heartbeat; the value stays as it was.
        } finally {
            lock.unlock();
        }
        header.putLongOrdered(StatFileDescriptor.HEARTBEAT_OFFSET, System.currentTimeMillis());
    }

    /** Stops the heartbeat and deletes the stat file, if there is one. Counter sets stay readable in this process. */
    @Override
    public void close() {
        if (heartbeat == null) {
            return;
        }
        heartbeat.shutdownNow();
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // left behind: its heartbeat goes stale, which readers report as the server gone
        }
    }

    /** Totals at one instant. */
    public record Snapshot(long nanoTime, long[] values) {
        public long get(Metric metric) {
            return values[metric.ordinal()];
        }
    }
}
