package io.tether.telemetry.log;

import io.tether.telemetry.CounterSet;
import java.io.Console;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code tether serve}'s logging, installed on the {@link LogControl#global() global control}: the level and
 * sampling settings, and a {@link LogPipeline} writing JSON lines or text to stderr or a rolling file (and over
 * OTLP when an endpoint is given) in place of slf4j. {@link #apply} changes the live settings (level, sampling,
 * format) of the running logger; {@link #close} writes what is queued and gives the control back to slf4j.
 */
public final class ServerLog implements AutoCloseable {
    private final LogControl control;
    private final LogPipeline pipeline;
    private final boolean terminal;
    private final LogOutput previous;

    private ServerLog(LogControl control, LogPipeline pipeline, boolean terminal, LogOutput previous) {
        this.control = control;
        this.pipeline = pipeline;
        this.terminal = terminal;
        this.previous = previous;
    }

    /**
     * Installs the settings on {@code control}. {@code otlpEndpoint} empty means no OTLP export; {@code terminal}
     * is whether {@code format=auto} means text.
     */
    public static ServerLog install(LogControl control, LogSettings s, boolean terminal, PrintStream stderr,
                                    String otlpEndpoint, String otlpProtocol) {
        final boolean toFile = !s.file().isEmpty();
        final LogTarget target = toFile
            ? new RollingFile(Path.of(s.file()), s.fileMaxSize(), s.fileMaxCount(), s.fileMaxTotal())
            : LogTarget.of(stderr);
        final OtelLogExport otel = otlpEndpoint.isEmpty() ? null
            : OtelLogExport.start(otlpEndpoint, otlpProtocol, control.drops(), s.otlpQueue(), "tether");
        final boolean textByDefault = terminal && !toFile;
        final LogPipeline pipeline = new LogPipeline(control, target, LogFormat.fromFlag(s.format(), textByDefault),
            s.queue(), s.diskHighWater(), s.diskLowWater(), otel, stderr);
        final LogOutput previous = control.output();
        control.levels(s.levels());
        control.sampling(s.sampling());
        control.output(pipeline);
        return new ServerLog(control, pipeline, textByDefault, previous);
    }

    /** Installs on the global control, with the process's stderr and terminal. */
    public static ServerLog install(LogSettings s, String otlpEndpoint, String otlpProtocol) {
        return install(LogControl.global(), s, onTerminal(), System.err, otlpEndpoint, otlpProtocol);
    }

    /** Changes the live settings of the running logger: level, sampling, format. The others need a restart. */
    public void apply(LogSettings s) {
        control.levels(s.levels());
        control.sampling(s.sampling());
        pipeline.format(LogFormat.fromFlag(s.format(), terminal));
    }

    /** Counts the log's drops into {@code set} (the server's metrics), those before now included. */
    public void countInto(CounterSet set) {
        control.drops().countInto(set);
    }

    public LogPipeline pipeline() {
        return pipeline;
    }

    /** Whether this process runs on a terminal (JDK 22+ asks the console; JDK 21 has one only then). */
    static boolean onTerminal() {
        final Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return true;
        }
    }

    @Override
    public void close() {
        control.tick(); // the last window's suppressed counts go out with the rest
        control.output(previous);
        pipeline.close();
    }
}
