package io.tether.cli;

import io.tether.engine.config.ConfigBinder;
import io.tether.engine.config.ConfigException;
import io.tether.engine.config.Setting;
import io.tether.engine.config.TetherConfig;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Counters;
import io.tether.telemetry.log.ServerLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine;
import sun.misc.Signal;

/**
 * {@code tether serve}. Its flags are generated from {@link TetherConfig}'s components, so every setting has one
 * name whether it comes from a flag, a config file or etcd.
 */
final class ServeCommand implements Callable<Integer> {
    private final CommandSpec spec;

    private ServeCommand() {
        this.spec = CommandSpec.wrapWithoutInspection(this);
        spec.name("serve");
        spec.usageMessage().description("Runs the server until SIGTERM or SIGINT, then shuts down gracefully.",
            "Settings marked [live] can later change without a restart.");
        spec.mixinStandardHelpOptions(true);
        for (ConfigBinder.SettingInfo s : ConfigBinder.settings()) {
            final Setting setting = s.setting();
            final String label = s.component().getType().getSimpleName().equals("Duration") ? "DURATION" : "VALUE";
            final OptionSpec.Builder b = OptionSpec.builder("--" + s.name())
                .paramLabel(s.name().equals("listen") ? "URL" : label)
                .description(setting.description() + (setting.live() ? " [live]" : "")
                    + (setting.defaultValue().isEmpty() ? "" : " Default: " + setting.defaultValue() + "."));
            if (setting.repeatable()) {
                b.type(List.class).auxiliaryTypes(String.class).arity("1");
            } else {
                b.type(String.class).arity("1");
            }
            spec.addOption(b.build());
        }
    }

    static CommandLine commandLine() {
        final ServeCommand command = new ServeCommand();
        return new CommandLine(command.spec);
    }

    @Override
    public Integer call() {
        final Map<String, List<String>> values = new LinkedHashMap<>();
        for (OptionSpec o : spec.options()) {
            if (o.longestName().equals("--help") || o.longestName().equals("--version")) {
                continue;
            }
            final Object v = o.getValue();
            if (v instanceof List<?> list && !list.isEmpty()) {
                final List<String> strings = new ArrayList<>();
                list.forEach(x -> strings.add(String.valueOf(x)));
                values.put(o.longestName().substring(2), strings);
            } else if (v instanceof String str) {
                values.put(o.longestName().substring(2), List.of(str));
            }
        }
        final TetherConfig config;
        try {
            config = ConfigBinder.bind(values);
        } catch (ConfigException e) {
            System.err.println("tether serve: invalid settings:");
            e.problems().forEach(p -> System.err.println("  --" + p));
            return 2;
        }
        // Before anything is announced, so a SIGTERM right after startup still shuts down gracefully.
        final CountDownLatch stop = new CountDownLatch(1);
        final sun.misc.SignalHandler onSignal = sig -> stop.countDown();
        Signal.handle(new Signal("TERM"), onSignal);
        Signal.handle(new Signal("INT"), onSignal);
        // Before the server starts, so its first records already go to the log's own writer thread.
        final ServerLog log = ServerLog.install(config.logSettings(), config.otlpEndpoint(), config.otlpProtocol());
        final TetherServer server;
        try {
            // The server makes its counters from the config, in the stat file that tether stat reads.
            server = TetherServer.builder().config(config).start();
        } catch (RuntimeException e) {
            log.close();
            System.err.println("tether serve: " + e.getMessage());
            return 1;
        }
        log.countInto(server.counters().newSet("log"));
        final List<String> serving = new ArrayList<>();
        for (int i = 0; i < config.listen().size(); i++) {
            final var l = config.listen().get(i);
            serving.add(new io.tether.engine.config.ListenAddress(l.scheme(), l.host(),
                server.boundAddresses().get(i).getPort(), l.path()).toString());
        }
        System.out.printf("tether serving %s (%d io threads, %s dispatch)%n", serving,
            config.effectiveIoThreads(), config.dispatch().name().toLowerCase(java.util.Locale.ROOT));
        System.out.println("tether: logging " + log.pipeline().format().name().toLowerCase(java.util.Locale.ROOT)
            + " to " + (config.logFile().isEmpty() ? "stderr" : config.logFile()));
        if (server.counters().statFile() != null) {
            System.out.println("tether: counters in " + server.counters().statFile() + " (tether stat)");
        }
        System.out.flush();
        final Counters counters = server.counters();
        final StatsLine stats = new StatsLine(counters, server::sessionCount);
        final Duration interval = config.statsInterval();
        try {
            while (true) {
                final boolean stopped = interval.isZero() ? awaitForever(stop)
                    : stop.await(interval.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                if (stopped) {
                    break;
                }
                System.out.println(stats.next());
                System.out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.out.println("tether: shutting down (grace " + config.shutdownGrace().toMillis() + " ms)");
        server.close();
        log.close();
        System.out.println("tether: stopped. " + stats.next());
        return 0;
    }

    private static boolean awaitForever(CountDownLatch latch) throws InterruptedException {
        latch.await();
        return true;
    }
}
