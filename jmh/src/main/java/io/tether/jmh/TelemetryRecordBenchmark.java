package io.tether.jmh;

import io.tether.telemetry.CounterSet;
import io.tether.telemetry.Counters;
import io.tether.telemetry.Latency;
import io.tether.telemetry.Metric;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one telemetry event costs the thread that records it: a loop's counter increment, a latency into a
 * loop's single-writer recorder, a request latency into the multi-writer recorder, and the same with the clock
 * read an event needs. Baselines in the same run: a plain HdrHistogram {@code recordValue} (no recorder, not safe
 * to read concurrently), an {@link AtomicLong} increment, and {@code System.nanoTime()} alone. The goal is under
 * 20 ns and 0 B/op per event (run with {@code -prof gc}).
 * <pre>
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jmh/target/benchmarks.jar TelemetryRecordBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Thread)
public class TelemetryRecordBenchmark {
    private static final int VALUES = 1 << 12;

    private CounterSet set;
    private Histogram plain;
    private final AtomicLong atomic = new AtomicLong();
    /** Latencies from 1 µs to about 10 ms, so the recorders touch many buckets, as real traffic does. */
    private final long[] values = new long[VALUES];
    private int next;
    private long started;

    @Setup
    public void setup() {
        final Counters counters = new Counters();
        set = counters.newSet("bench");
        plain = new Histogram(1, Latency.HIGHEST_NANOS, 2);
        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < VALUES; i++) {
            values[i] = (long) Math.exp(random.nextDouble(Math.log(1_000), Math.log(10_000_000)));
        }
        started = System.nanoTime();
    }

    private long value() {
        return values[next++ & (VALUES - 1)];
    }

    @Benchmark
    public void counterIncrement() {
        set.increment(Metric.FRAMES_IN);
    }

    @Benchmark
    public void loopLatency() {
        set.record(Latency.LOOP_LAG, value());
    }

    @Benchmark
    public void requestLatency() {
        set.record(Latency.REQUEST, value());
    }

    @Benchmark
    public void loopLatencyWithClock() {
        set.record(Latency.PING_ROUND_TRIP, System.nanoTime() - started);
    }

    @Benchmark
    public void baselinePlainHistogram() {
        plain.recordValue(value());
    }

    @Benchmark
    public long baselineAtomicIncrement() {
        return atomic.incrementAndGet();
    }

    @Benchmark
    public long baselineNanoTime() {
        return System.nanoTime();
    }
}
