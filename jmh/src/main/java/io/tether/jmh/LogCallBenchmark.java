package io.tether.jmh;

import io.tether.telemetry.log.LogControl;
import io.tether.telemetry.log.LogEvent;
import io.tether.telemetry.log.LogLevels;
import io.tether.telemetry.log.LogRecord;
import io.tether.telemetry.log.Sampling;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * What one {@link LogEvent} call costs the event loop that makes it, as {@code session.opened} is logged (four
 * string fields): with its level off, sampled out, at the default sampling rates (100 a second, then 1 in 100,
 * the window never closing, so 1 call in 100 is admitted), and admitted every time into a bounded queue.
 * The goal for a call turned away is under 30 ns and 0 B/op (run with {@code -prof gc}).
 *
 * <p>An admitted record goes into an Agrona {@code ManyToOneConcurrentArrayQueue}, the queue the pipeline's
 * writer reads, which this thread empties every 1024 calls, so the queue is never full and no writer competes
 * for the two cores; what is measured is the caller's side: rendering, the span lookup, the record and the offer.
 * Baselines in the same run: slf4j's {@code debug(format, a, b)} with DEBUG off (slf4j-simple), and an
 * {@link AtomicLong} increment (a sampled-out call's one atomic).
 * <pre>
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jmh/target/benchmarks.jar LogCallBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Thread)
public class LogCallBenchmark {
    private static final Logger SLF4J = LoggerFactory.getLogger(LogCallBenchmark.class);

    private final ManyToOneConcurrentArrayQueue<LogRecord> queue = new ManyToOneConcurrentArrayQueue<>(4096);
    private final AtomicLong atomic = new AtomicLong();
    private final String session = "AAECAwQFBgcICQoLDA0ODw";
    private final String client = "bench-client";
    private final String remote = "/127.0.0.1:50112";
    private final String loop = "tether-io-1";
    private LogEvent levelOff;
    private LogEvent sampledOut;
    private LogEvent defaultRates;
    private LogEvent admitted;
    private int calls;

    @Setup
    public void setup() {
        levelOff = event(new Sampling(100, 100, 100, 100, false), "warn");
        // Nothing past the first 0 in a window until call 2^31: every call is turned away by the sampler.
        sampledOut = event(new Sampling(0, Integer.MAX_VALUE, 100, 100, false), "info");
        defaultRates = event(Sampling.DEFAULT, "info");
        admitted = event(new Sampling(Integer.MAX_VALUE, 1, 100, 100, false), "info");
    }

    private LogEvent event(Sampling sampling, String level) {
        final LogControl control = new LogControl(System::currentTimeMillis);
        control.levels(LogLevels.parse(level));
        control.sampling(sampling);
        control.output(queue::offer);
        return control.event("io.tether.engine.server.ServerProtocol", Level.INFO, "session.opened");
    }

    private void logAndEmptyTheQueue(LogEvent e) {
        e.log("session", session, "client", client, "remote", remote, "loop", loop);
        if ((++calls & 1023) == 0) {
            queue.clear();
        }
    }

    @Benchmark
    public void levelOff() {
        levelOff.log("session", session, "client", client, "remote", remote, "loop", loop);
    }

    @Benchmark
    public void sampledOut() {
        sampledOut.log("session", session, "client", client, "remote", remote, "loop", loop);
    }

    @Benchmark
    public void defaultRatesInAStorm() {
        logAndEmptyTheQueue(defaultRates);
    }

    @Benchmark
    public void admittedIntoQueue() {
        logAndEmptyTheQueue(admitted);
    }

    @Benchmark
    public void baselineSlf4jDebugOff() {
        SLF4J.debug("session.opened session={} client={}", session, client);
    }

    @Benchmark
    public long baselineAtomicIncrement() {
        return atomic.incrementAndGet();
    }
}
