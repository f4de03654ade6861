package io.tether.jmh;

import io.tether.engine.config.ConfigSource;
import io.tether.engine.config.LiveConfig;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 * The CPU one live change costs the thread that applies it (the etcd or file watcher's, never an event loop):
 * {@link LiveConfig#update} with a whole etcd layer whose {@code heartbeat-interval} alternates between two values,
 * so every call builds, binds, validates and swaps a new candidate. No listener is subscribed (a server's listeners
 * swap limits and post a task per loop), and the "in force" log line is off ({@code -Dorg.slf4j.simpleLogger.
 * defaultLogLevel=warn}), so what is measured is the candidate's making and checking. {@code unchanged} offers the
 * same layer every time: the comparison finds nothing new, the floor of a watch event that changes nothing.
 * <pre>
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jmh/target/benchmarks.jar ConfigUpdateBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@State(Scope.Thread)
public class ConfigUpdateBenchmark {
    private final List<Map<String, List<String>>> layers = List.of(
        Map.of("heartbeat-interval", List.of("5s"), "session-outbox-bytes", List.of("1MiB")),
        Map.of("heartbeat-interval", List.of("6s"), "session-outbox-bytes", List.of("1MiB")));
    private LiveConfig live;
    private int n;

    @Setup
    public void setUp() {
        live = LiveConfig.of(Map.of("listen", List.of("tcp://127.0.0.1:0")));
    }

    @Benchmark
    public LiveConfig.Outcome changed() {
        return live.update(ConfigSource.ETCD, layers.get(n++ & 1));
    }

    @Benchmark
    public LiveConfig.Outcome unchanged() {
        return live.update(ConfigSource.ETCD, layers.get(0));
    }
}
