package io.tether.cli;

import io.tether.cluster.EtcdSource;
import io.tether.cluster.TetherCluster;
import io.tether.engine.config.ConfigBinder;
import io.tether.engine.config.ConfigException;
import io.tether.engine.config.ConfigFileWatcher;
import io.tether.engine.config.ConfigSource;
import io.tether.engine.config.LiveConfig;
import io.tether.engine.config.Setting;
import io.tether.engine.config.TetherConfig;
import io.tether.engine.server.TetherServer;
import java.nio.file.Files;
import java.nio.file.Path;
import io.tether.telemetry.Counters;
import io.tether.telemetry.log.ServerLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
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
            "Settings come from flags, the --config file and etcd (--etcd), in that order of precedence. Those "
                + "marked [live] change without a restart when the file or etcd changes; a change to any other is "
                + "refused as needing a restart.");
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
        final Map<String, List<String>> flags = new LinkedHashMap<>();
        for (OptionSpec o : spec.options()) {
            if (o.longestName().equals("--help") || o.longestName().equals("--version")) {
                continue;
            }
            final Object v = o.getValue();
            if (v instanceof List<?> list && !list.isEmpty()) {
                final List<String> strings = new ArrayList<>();
                list.forEach(x -> strings.add(String.valueOf(x)));
                flags.put(o.longestName().substring(2), strings);
            } else if (v instanceof String str) {
                flags.put(o.longestName().substring(2), List.of(str));
            }
        }
        final Path configFile = flags.containsKey("config") ? Path.of(flags.get("config").get(0)) : null;
        final Map<ConfigSource, Map<String, List<String>>> layers = new EnumMap<>(ConfigSource.class);
        layers.put(ConfigSource.FLAG, flags);
        final TetherConfig bootstrap;
        try {
            if (configFile != null) {
                layers.put(ConfigSource.FILE, ConfigFileWatcher.readAtStart(configFile));
            }
            bootstrap = LiveConfig.start(layers).current();
        } catch (ConfigException e) {
            System.err.println("tether serve: invalid settings" + (configFile == null ? "" : " (flags and "
                + configFile + ")") + ":");
            e.problems().forEach(p -> System.err.println("  " + (namesASetting(p) ? "--" : "") + p));
            return 2;
        }
        // Before anything is announced, so a SIGTERM right after startup still shuts down gracefully.
        final LinkedBlockingQueue<Object> wake = new LinkedBlockingQueue<>();
        final sun.misc.SignalHandler onSignal = sig -> wake.offer(STOP);
        Signal.handle(new Signal("TERM"), onSignal);
        Signal.handle(new Signal("INT"), onSignal);
        EtcdSource etcd = null;
        ConfigFileWatcher watcher = null;
        // Before the server starts, so its first records already go to the log's own writer thread.
        final ServerLog log = ServerLog.install(bootstrap.logSettings(), bootstrap.otlpEndpoint(), bootstrap.otlpProtocol());
        final TetherServer server;
        final LiveConfig live;
        try {
            if (!bootstrap.etcd().isEmpty()) {
                etcd = EtcdSource.connect(bootstrap);
                System.out.println("tether: " + etcd.startupNote());
                live = etcd.startLive(layers);
            } else {
                live = LiveConfig.start(layers);
            }
            if (configFile != null) {
                watcher = ConfigFileWatcher.start(configFile, live, bootstrap.configCheckInterval());
            }
            // The server makes its counters from the config, in the stat file that tether stat reads.
            server = TetherServer.builder().liveConfig(live)
                .cluster(bootstrap.clusterName().isEmpty() ? null : TetherCluster.of(bootstrap)).start();
        } catch (RuntimeException e) {
            log.close();
            System.err.println("tether serve: " + e.getMessage());
            closeQuietly(watcher, etcd);
            return 1;
        }
        final TetherConfig config = live.current();
        server.onStopRequest(why -> {
            System.out.println("tether: " + why);
            wake.offer(STOP);
        });
        log.countInto(server.counters().newSet("log"));
        final List<String> serving = new ArrayList<>();
        for (int i = 0; i < config.listen().size(); i++) {
            final var l = config.listen().get(i);
            serving.add(new io.tether.engine.config.ListenAddress(l.scheme(), l.host(),
                server.boundAddresses().get(i).getPort(), l.path()).toString());
        }
        System.out.printf("tether serving %s (%d io threads, %s dispatch)%n", serving,
            config.effectiveIoThreads(), config.dispatch().name().toLowerCase(java.util.Locale.ROOT));
        final Path statFile = server.counters().statFile();
        final Path report = statFile == null ? null : ConfigCommand.reportFile(statFile);
        if (statFile != null) {
            System.out.println("tether: counters in " + statFile + " (tether stat), settings in " + report
                + " (tether config show)");
        }
        if (server.cluster() != null) {
            System.out.println("tether: node " + server.cluster().nodeNumber() + " of cluster " + config.clusterName()
                + " (SIGTERM or tether drain hands its sessions to the other nodes first)");
        }
        System.out.println("tether: logging " + log.pipeline().format().name().toLowerCase(java.util.Locale.ROOT)
            + " to " + (config.logFile().isEmpty() ? "stderr" : config.logFile()));
        System.out.flush();
        final Runnable writeReport = () -> {
            if (report != null) {
                ConfigCommand.writeReport(report, live.snapshot());
            }
        };
        writeReport.run();
        live.subscribe((previous, current) -> {
            if (!current.logSettings().equals(previous.logSettings())) {
                log.apply(current.logSettings()); // level, sampling and format follow the file and etcd
            }
            writeReport.run();
            wake.offer(CHANGED); // the stats line follows a new stats-interval at once
        });
        final StatsLine stats = new StatsLine(server.counters(), server::sessionCount);
        try {
            while (true) {
                final Duration interval = live.current().statsInterval();
                final Object event = interval.isZero() ? wake.take()
                    : wake.poll(interval.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                if (event == STOP) {
                    break;
                }
                if (event == null) {
                    System.out.println(stats.next());
                    System.out.flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(watcher, etcd);
        System.out.println("tether: shutting down (" + (server.cluster() != null ? "draining for at most "
            + live.current().drainTimeout().toMillis() + " ms, then " : "") + "grace "
            + live.current().shutdownGrace().toMillis() + " ms)");
        System.out.flush();
        server.close();
        if (report != null) {
            try {
                Files.deleteIfExists(report);
            } catch (java.io.IOException e) {
                // the server is gone either way; tether config show says so from the stat file
            }
        }
        log.close();
        System.out.println("tether: stopped. " + stats.next());
        System.out.flush();
        return 0;
    }

    private static final Object STOP = new Object();
    private static final Object CHANGED = new Object();

    /** Whether a problem starts with a setting's name (then it is shown as the flag). */
    private static boolean namesASetting(String problem) {
        for (ConfigBinder.SettingInfo s : ConfigBinder.settings()) {
            if (problem.startsWith(s.name() + ":") || problem.startsWith(s.name() + " ")) {
                return true;
            }
        }
        return false;
    }

    private static void closeQuietly(AutoCloseable... all) {
        for (AutoCloseable c : all) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    // shutting down
                }
            }
        }
    }
}
