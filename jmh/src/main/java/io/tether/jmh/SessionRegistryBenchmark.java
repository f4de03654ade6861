package io.tether.jmh;

import io.tether.session.registry.SessionId;
import io.tether.session.registry.SessionRegistry;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * {@link SessionRegistry} against the baseline {@code ConcurrentHashMap<String, Session>}, both
 * holding the same sessions, looked up in the same random order.
 * <p>
 * The map is looked up with equal but distinct String instances, as a server would after
 * decoding an id from the wire; their hash codes are cached after the first lookup, which is the
 * map's best case. Remove-and-put keeps the size constant; each thread works on its own ids.
 * <p>
 * Run per thread count, for example:
 * {@code for t in 1 2 4; do java ... -jar jmh/target/benchmarks.jar SessionRegistryBenchmark -t $t; done}
 * Bytes per entry are measured by {@link SessionRegistryFootprint}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
    "-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class SessionRegistryBenchmark {
    @Param({"100000", "1000000"})
    int sessions;

    // Lookup inputs in random order of registration, walked in sequence: each input is at hand
    // like an id just read from the wire, while the entry it finds is anywhere in the table.
    long[] highs;
    long[] lows;
    String[] texts;
    Session[] values;
    SessionRegistry<Session> registry;
    ConcurrentHashMap<String, Session> map;

    /** Stands in for the engine's session object. */
    public static final class Session {
        final long high;
        final long low;
        // Position of the next lookup input in a chain; see registryGetByTextChained.
        int next;

        Session(final long high, final long low) {
            this.high = high;
            this.low = low;
        }
    }

    /** Where a thread is in the lookup inputs; threads take disjoint positions. */
    @State(Scope.Thread)
    public static class Cursor {
        int position;
        int step;
        int chained;

        @Setup
        public void setUp(final ThreadParams threads) {
            position = threads.getThreadIndex();
            step = threads.getThreadCount();
            chained = position;
        }

        int next(final int length) {
            final int index = position;
            position += step;
            if (position >= length) {
                position -= length;
            }
            return index;
        }
    }

    @Setup
    public void setUp() {
        final SplittableRandom random = new SplittableRandom(42);
        final Session[] registered = new Session[sessions];
        registry = new SessionRegistry<>();
        map = new ConcurrentHashMap<>();
        for (int i = 0; i < sessions; i++) {
            final Session session = new Session(random.nextLong(), random.nextLong());
            registered[i] = session;
            registry.putIfAbsent(session.high, session.low, session);
            map.put(SessionId.format(session.high, session.low), session);
        }
        for (int i = sessions - 1; i > 0; i--) {
            final int j = random.nextInt(i + 1);
            final Session swap = registered[i];
            registered[i] = registered[j];
            registered[j] = swap;
        }
        highs = new long[sessions];
        lows = new long[sessions];
        texts = new String[sessions];
        values = registered;
        for (int i = 0; i < sessions; i++) {
            highs[i] = registered[i].high;
            lows[i] = registered[i].low;
            // Equal to the map's key but another instance, allocated apart from it.
            texts[i] = SessionId.format(registered[i].high, registered[i].low);
            registered[i].next = (i + 1) % sessions;
        }
    }

    @Benchmark
    public Session registryGetByLongs(final Cursor cursor) {
        final int i = cursor.next(sessions);
        return registry.get(highs[i], lows[i]);
    }

    @Benchmark
    public Session registryGetByText(final Cursor cursor) {
        return registry.get(texts[cursor.next(sessions)]);
    }

    @Benchmark
    public Session mapGet(final Cursor cursor) {
        return map.get(texts[cursor.next(sessions)]);
    }

    // The chained lookups take their next input from the session just found, so each waits for
    // the previous one: they measure a lookup's latency, as a server pays it between other work,
    // where the loops above let the CPU overlap the cache misses of consecutive lookups.

    @Benchmark
    public Session registryGetByLongsChained(final Cursor cursor) {
        final int i = cursor.chained;
        final Session session = registry.get(highs[i], lows[i]);
        cursor.chained = session.next;
        return session;
    }

    @Benchmark
    public Session registryGetByTextChained(final Cursor cursor) {
        final Session session = registry.get(texts[cursor.chained]);
        cursor.chained = session.next;
        return session;
    }

    @Benchmark
    public Session mapGetChained(final Cursor cursor) {
        final Session session = map.get(texts[cursor.chained]);
        cursor.chained = session.next;
        return session;
    }

    @Benchmark
    public Session registryRemoveAndPut(final Cursor cursor) {
        final int i = cursor.next(sessions);
        registry.remove(highs[i], lows[i]);
        return registry.putIfAbsent(highs[i], lows[i], values[i]);
    }

    @Benchmark
    public Session mapRemoveAndPut(final Cursor cursor) {
        final int i = cursor.next(sessions);
        map.remove(texts[i]);
        return map.putIfAbsent(texts[i], values[i]);
    }
}
