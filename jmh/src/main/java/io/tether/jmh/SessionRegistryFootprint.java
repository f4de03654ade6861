package io.tether.jmh;

import io.tether.jmh.SessionRegistryBenchmark.Session;
import io.tether.session.registry.SessionId;
import io.tether.session.registry.SessionRegistry;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bytes per entry, heap plus direct memory, of {@link SessionRegistry} and of the baseline
 * {@code ConcurrentHashMap<String, Session>}, both grown one put at a time from their default
 * size. The session objects exist before the first measurement, so only what each index adds is
 * counted; for the map that includes its String keys, which it cannot do without.
 * <p>
 * Run in a fresh JVM (heap after full GCs is the measure):
 * {@code java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED
 * --sun-misc-unsafe-memory-access=allow -Xmx2g -cp jmh/target/benchmarks.jar
 * io.tether.jmh.SessionRegistryFootprint [count ...]}
 */
public final class SessionRegistryFootprint {
    private SessionRegistryFootprint() {
    }

    public static void main(final String[] args) {
        final int[] counts = args.length == 0 ? new int[] {100_000, 1_000_000} :
            java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        System.out.printf("%10s %22s %22s %8s%n", "sessions", "registry B/entry", "map B/entry", "ratio");
        for (final int count : counts) {
            final Session[] sessions = sessions(count);
            final double registry = registryBytes(sessions) / (double)count;
            final double map = mapBytes(sessions) / (double)count;
            System.out.printf("%10d %22.1f %22.1f %8.2f%n", count, registry, map, registry / map);
        }
    }

    private static long registryBytes(final Session[] sessions) {
        final long before = usedBytes();
        final SessionRegistry<Session> registry = new SessionRegistry<>();
        for (final Session session : sessions) {
            registry.putIfAbsent(session.high, session.low, session);
        }
        final long bytes = usedBytes() - before;
        if (registry.size() != sessions.length) {
            throw new IllegalStateException("registry lost sessions");
        }
        registry.close();
        return bytes;
    }

    private static long mapBytes(final Session[] sessions) {
        final long before = usedBytes();
        final ConcurrentHashMap<String, Session> map = new ConcurrentHashMap<>();
        for (final Session session : sessions) {
            map.put(SessionId.format(session.high, session.low), session);
        }
        final long bytes = usedBytes() - before;
        if (map.size() != sessions.length) {
            throw new IllegalStateException("map lost sessions");
        }
        return bytes;
    }

    private static Session[] sessions(final int count) {
        final SplittableRandom random = new SplittableRandom(7);
        final Session[] sessions = new Session[count];
        for (int i = 0; i < count; i++) {
            sessions[i] = new Session(random.nextLong(), random.nextLong());
        }
        return sessions;
    }

    // Heap after full collections plus direct buffers, once two rounds agree: the cleaner frees
    // garbage direct buffers on its own thread, shortly after the collection that found them, so
    // each round waits for it; back to back, two rounds could agree before it ran and count the
    // previous index's buffers in the next one's starting point.
    private static long usedBytes() {
        long previous = -1;
        for (int round = 0; round < 20; round++) {
            System.gc();
            try {
                Thread.sleep(200);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            final long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() + directBytes();
            if (used == previous) {
                return used;
            }
            previous = used;
        }
        return previous;
    }

    private static long directBytes() {
        for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if ("direct".equals(pool.getName())) {
                return pool.getMemoryUsed();
            }
        }
        return 0;
    }
}
