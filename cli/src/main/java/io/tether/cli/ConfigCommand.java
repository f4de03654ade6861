package io.tether.cli;

import io.tether.engine.config.ConfigReport;
import io.tether.engine.config.LiveConfig;
import io.tether.telemetry.StatFileReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tether config show}: a running server's settings, each with its effective value and the source it came
 * from. {@code tether serve} writes them next to its stat file ({@code tether-PID.config} beside
 * {@code tether-PID.stat}) at startup and after every change it puts in force, and deletes the file on exit.
 */
@Command(name = "config", mixinStandardHelpOptions = true, description = "A running server's settings.",
    subcommands = ConfigCommand.Show.class)
final class ConfigCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The settings report beside a stat file. */
    static Path reportFile(Path statFile) {
        final String name = statFile.getFileName().toString();
        final String base = name.endsWith(".stat") ? name.substring(0, name.length() - 5) : name;
        return statFile.resolveSibling(base + ".config");
    }

    /** Replaces the report by a rename, so a reader never sees half of one. */
    static void writeReport(Path report, LiveConfig.Snapshot snapshot) {
        final Path tmp = report.resolveSibling(report.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, ConfigReport.render(snapshot), StandardCharsets.UTF_8);
            try {
                Files.move(tmp, report, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, report, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the settings report " + report, e);
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
        description = {"Prints every setting of a running server: its effective value, the source it came from "
            + "(flag, file, etcd or default) and the values of other sources that precedence overrides.",
            "Without --file or --pid it reads the one live server's. Exits 1 when the server is gone."})
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--file", paramLabel = "PATH", description = "The server's stat file (--stat-file).")
        Path file;

        @Option(names = "--pid", paramLabel = "PID", description = "The server's pid: reads its default stat file.")
        Long pid;

        @Override
        public Integer call() {
            final PrintWriter out = spec.commandLine().getOut();
            final PrintWriter err = spec.commandLine().getErr();
            try {
                final Path stat = StatCommand.resolveStatFile(file, pid);
                final String gone = StatFileReader.open(stat).whyGone(System.currentTimeMillis());
                if (gone != null) {
                    err.println("tether config show: " + gone + " (" + stat + ")");
                    return 1;
                }
                final String report = Files.readString(reportFile(stat), StandardCharsets.UTF_8);
                ConfigReport.table(report).forEach(out::println);
                out.flush();
                return 0;
            } catch (NoSuchFileException e) {
                err.println("tether config show: no " + e.getFile() + " (is the server running, with that "
                    + "--stat-file?)");
                return 1;
            } catch (IOException e) {
                err.println("tether config show: " + e.getMessage());
                return 1;
            }
        }
    }
}
