package io.tether.jmh;

import io.tether.session.ContextCache;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost per access and hit rate of the detached-session cache: LRU-2 against plain LRU, with an
 * access-ordered {@link LinkedHashMap} (no byte bound, no pins) as the JDK baseline.
 * <p>
 * The trace is a hot set of 15,000 sessions accessed at random, 60,000 times per round, then a scan
 * of 30,000 sessions seen once; the cache holds 20,000. An access is "get, and put on a miss".
 * The {@code hits} and {@code misses} counters give the hit rate of each policy.
 * <pre>
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jmh/target/benchmarks.jar ContextCacheBenchmark
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Thread)
public class ContextCacheBenchmark {

    private static final int CAPACITY = 20_000;
    private static final int HOT_KEYS = 15_000;
    private static final int HOT_ACCESSES_PER_ROUND = 60_000;
    private static final int SCAN_KEYS_PER_ROUND = 30_000;
    private static final int TRACE_LENGTH = 1 << 21;
    private static final long ENTRY_BYTES = 1024;

    /** One access: true on a hit. */
    private interface Policy {
        boolean access(Long key);
    }

    @Param({"lru2", "lru", "linkedHashMap"})
    public String policy;

    private Long[] trace;
    private int next;
    private Policy cache;

    /** Hits and misses of the measured accesses, reported next to the time. */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Outcomes {
        public long hits;
        public long misses;

        @Setup(Level.Iteration)
        public void clear() {
            hits = 0;
            misses = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        trace = new Long[TRACE_LENGTH];
        final SplittableRandom random = new SplittableRandom(11);
        long scanKey = HOT_KEYS;
        int at = 0;
        while (at < TRACE_LENGTH) {
            for (int i = 0; i < HOT_ACCESSES_PER_ROUND && at < TRACE_LENGTH; i++) {
                trace[at++] = random.nextLong(HOT_KEYS);
            }
            for (int i = 0; i < SCAN_KEYS_PER_ROUND && at < TRACE_LENGTH; i++) {
                trace[at++] = scanKey++;
            }
        }
        cache = switch (policy) {
            case "lru2" -> contextCache(ContextCache.lru2(CAPACITY * ENTRY_BYTES, v -> ENTRY_BYTES, clock(), (k, v) -> { }));
            case "lru" -> contextCache(ContextCache.lru(CAPACITY * ENTRY_BYTES, v -> ENTRY_BYTES, clock(), (k, v) -> { }));
            case "linkedHashMap" -> linkedHashMap();
            default -> throw new IllegalArgumentException(policy);
        };
        // Fill the cache and settle the hot set before measuring.
        for (final Long key : trace) {
            cache.access(key);
        }
    }

    @Benchmark
    public boolean access(final Outcomes outcomes) {
        final boolean hit = cache.access(trace[next]);
        next = (next + 1) & (TRACE_LENGTH - 1);
        if (hit) {
            outcomes.hits++;
        } else {
            outcomes.misses++;
        }
        return hit;
    }

    private static LongSupplier clock() {
        final long[] now = new long[1];
        return () -> ++now[0];
    }

    private static Policy contextCache(final ContextCache<Long, Object> cache) {
        return key -> {
            if (cache.get(key) != null) {
                return true;
            }
            cache.put(key, Boolean.TRUE);
            return false;
        };
    }

    private static Policy linkedHashMap() {
        final Map<Long, Object> map = new LinkedHashMap<>(CAPACITY * 2, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(final Map.Entry<Long, Object> eldest) {
                return size() > CAPACITY;
            }
        };
        return key -> {
            if (map.get(key) != null) {
                return true;
            }
            map.put(key, Boolean.TRUE);
            return false;
        };
    }
}
