package io.tether.cluster;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.tether.engine.client.TetherClient;
import io.tether.engine.config.ConfigBinder;
import io.tether.engine.config.ConfigSource;
import io.tether.engine.config.LiveConfig;
import io.tether.engine.server.TetherServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What a reload costs (scripts/measure-reload): the time from an etcd put to the new value in force on the server,
 * p50/p99 over 100 changes, and the echo round trip p99 while a change lands every 100 ms against none, in the same
 * run (quiet, changing, quiet again), on a real etcd and a server that follows it; last, as a control, the same
 * etcd writes (the setting and a status key) under a prefix the server does not follow.
 */
public final class ReloadMeasurement {
    private ReloadMeasurement() {
    }

    public static void main(String[] args) throws Exception {
        final int changes = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        final int clients = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        final Path dir = Files.createTempDirectory("tether-reload-");
        try (EtcdProcess etcd = EtcdProcess.start();
             Client kv = Client.builder().endpoints(etcd.backdoor()).build()) {
            final Map<String, List<String>> flags = new HashMap<>();
            flags.put("listen", List.of("tcp://127.0.0.1:0"));
            flags.put("io-threads", List.of("1"));
            flags.put("stat-file", List.of("off"));
            flags.put("etcd", List.of(etcd.endpoint()));
            flags.put("etcd-prefix", List.of("/tether/bench/"));
            flags.put("node-name", List.of("bench"));
            flags.put("etcd-last-good", List.of(dir.resolve("last-good.properties").toString()));
            try (EtcdSource source = EtcdSource.connect(ConfigBinder.bind(flags))) {
                final LiveConfig live = source.startLive(Map.of(ConfigSource.FLAG, flags));
                final TetherServer server = TetherServer.builder().liveConfig(live).start();
                // After the server's own listener: called once the server runs with the new value.
                // Completed, not polled: a waiting thread that woke every few microseconds would itself take CPU
                // from the echo on two cores, in the changing phase only.
                final Map<Long, CompletableFuture<Long>> appliedAt = new ConcurrentHashMap<>();
                live.subscribe((previous, current) -> appliedAt.computeIfAbsent(current.heartbeatInterval()
                    .toMillis(), k -> new CompletableFuture<>()).complete(System.nanoTime()));
                final Recorder echo = new Recorder(2);
                final AtomicBoolean stop = new AtomicBoolean();
                final List<Thread> load = new ArrayList<>();
                final List<TetherClient> open = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    final TetherClient c = TetherClient.builder().clientId("echo-" + i)
                        .connect(server.boundAddresses().get(0));
                    open.add(c);
                    load.add(Thread.ofPlatform().daemon(true).start(() -> {
                        final ByteString payload = ByteString.copyFrom(new byte[64]);
                        while (!stop.get()) {
                            final long t0 = System.nanoTime();
                            try {
                                c.request("echo", payload).get(10, TimeUnit.SECONDS);
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                            echo.recordValue(System.nanoTime() - t0);
                        }
                    }));
                }
                final long phaseNanos = TimeUnit.MILLISECONDS.toNanos(100) * changes;
                park(TimeUnit.SECONDS.toNanos(2)); // warm-up
                echo.getIntervalHistogram();
                park(phaseNanos);
                final Histogram quietBefore = echo.getIntervalHistogram();

                final Histogram putToApplied = new Histogram(TimeUnit.SECONDS.toNanos(10), 2);
                final long start = System.nanoTime();
                for (int i = 0; i < changes; i++) {
                    final long value = 10_000 + i; // heartbeat-interval 10000ms, 10001ms, ...: each one new
                    final long due = start + i * TimeUnit.MILLISECONDS.toNanos(100);
                    LockSupport.parkNanos(due - System.nanoTime());
                    final long put = System.nanoTime();
                    kv.getKVClient().put(bytes("/tether/bench/heartbeat-interval"), bytes(value + "ms")).get();
                    final long applied;
                    try {
                        applied = appliedAt.computeIfAbsent(value, k -> new CompletableFuture<>())
                            .get(10, TimeUnit.SECONDS);
                    } catch (TimeoutException e) {
                        throw new IllegalStateException("change " + value + " not in force after 10 s", e);
                    }
                    putToApplied.recordValue(applied - put);
                }
                park(start + phaseNanos - System.nanoTime());
                final Histogram changing = echo.getIntervalHistogram();
                park(phaseNanos);
                final Histogram quietAfter = echo.getIntervalHistogram();
                // The control: the same etcd writes every 100 ms, under a prefix this server does not follow, so
                // etcd's own cost on this machine is told from the reload's.
                final long controlStart = System.nanoTime();
                for (int i = 0; i < changes; i++) {
                    LockSupport.parkNanos(controlStart + i * TimeUnit.MILLISECONDS.toNanos(100) - System.nanoTime());
                    kv.getKVClient().put(bytes("/elsewhere/heartbeat-interval"), bytes((10_000 + i) + "ms")).get();
                    kv.getKVClient().put(bytes("/elsewhere/status/bench"), bytes("{}")).get();
                }
                park(controlStart + phaseNanos - System.nanoTime());
                final Histogram etcdOnly = echo.getIntervalHistogram();
                stop.set(true);
                for (Thread t : load) {
                    t.join();
                }
                open.forEach(TetherClient::close);
                server.close();

                System.out.printf("put -> in force (%d changes): p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", changes,
                    ms(putToApplied.getValueAtPercentile(50)), ms(putToApplied.getValueAtPercentile(99)),
                    ms(putToApplied.getMaxValue()));
                print("echo, no changes (before)", quietBefore);
                print("echo, a change every 100 ms", changing);
                print("echo, no changes (after)", quietAfter);
                print("echo, etcd writes, no reload", etcdOnly);
                System.out.printf("echo p99 ratio, changing / quiet (mean of before and after): %.2f%n",
                    changing.getValueAtPercentile(99) / ((quietBefore.getValueAtPercentile(99)
                        + quietAfter.getValueAtPercentile(99)) / 2.0));
            }
        }
    }

    private static void print(String what, Histogram h) {
        System.out.printf("%-30s %8d echoes  p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  max %.3f ms%n", what,
            h.getTotalCount(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)),
            ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static void park(long nanos) {
        final long end = System.nanoTime() + nanos;
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
