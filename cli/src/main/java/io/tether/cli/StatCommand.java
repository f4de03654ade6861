package io.tether.cli;

import io.tether.telemetry.StatFileDescriptor;
import io.tether.telemetry.StatFileReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tether stat}: a running server's counters, read from its stat file (mapped read-only, so it costs the
 * server nothing), with rates every second, as AeronStat does for Aeron.
 */
@Command(name = "stat", mixinStandardHelpOptions = true,
    description = {"Prints a running server's counters and gauges from its stat file, with rates, every second.",
        "Without --file or --pid it reads the one live server's tether-PID.stat in " + "/dev/shm (or the temp "
            + "directory). Exits 1 when the server is gone (no such process, or a heartbeat over 3 s old) or the "
            + "file is of another layout version."})
final class StatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--file", paramLabel = "PATH", description = "The stat file (the server's --stat-file).")
    Path file;

    @Option(names = "--pid", paramLabel = "PID", description = "The server's pid: reads its default stat file.")
    Long pid;

    @Option(names = "--once", description = "Print the totals once and exit.")
    boolean once;

    @Option(names = "--json", description = "One JSON object per sample, on one line.")
    boolean json;

    @Option(names = "--filter", paramLabel = "REGEX", description = "Only names this regular expression finds.")
    Pattern filter;

    @Option(names = "--count", paramLabel = "N", description = "Stop after N samples (0: until the server is gone "
        + "or interrupted). Default: 0.")
    int count;

    @Override
    public Integer call() throws InterruptedException {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final StatFileReader reader;
        try {
            reader = StatFileReader.open(resolveFile());
        } catch (NoSuchFileException e) {
            err.println("tether stat: no stat file " + e.getFile() + " (is the server running, with that "
                + "--stat-file?)");
            return 1;
        } catch (IOException e) {
            err.println("tether stat: " + e.getMessage());
            return 1;
        }
        StatFileReader.Values previous = null;
        for (int sample = 1; ; sample++) {
            final String gone = reader.whyGone(System.currentTimeMillis());
            if (gone != null) {
                if (json) {
                    out.println("{\"file\":\"" + reader.file() + "\",\"pid\":" + reader.pid() + ",\"gone\":\""
                        + gone.replace("\"", "'") + "\"}");
                }
                err.println("tether stat: " + gone + " (" + reader.file() + ")");
                out.flush();
                return 1;
            }
            final StatFileReader.Values now = reader.read();
            out.println(json ? json(reader, now, previous) : text(reader, now, previous));
            out.flush();
            if (once || (count > 0 && sample >= count)) {
                return 0;
            }
            previous = now;
            TimeUnit.SECONDS.sleep(1);
        }
    }

    private Path resolveFile() throws IOException {
        return resolveStatFile(file, pid);
    }

    /** The stat file named by {@code --file} or {@code --pid}, or the one live server's. */
    static Path resolveStatFile(Path file, Long pid) throws IOException {
        if (file != null) {
            return file;
        }
        if (pid != null) {
            return StatFileDescriptor.defaultFile(pid);
        }
        final Path dir = StatFileDescriptor.defaultDirectory();
        final List<Path> live = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "tether-*.stat")) {
            for (Path f : files) {
                try {
                    if (StatFileReader.open(f).whyGone(System.currentTimeMillis()) == null) {
                        live.add(f);
                    }
                } catch (IOException e) {
                    // not a stat file this tether reads: not a candidate
                }
            }
        }
        if (live.size() == 1) {
            return live.get(0);
        }
        throw new IOException(live.isEmpty() ? "no live tether server has a stat file in " + dir
            + " (give --file or --pid)" : "several live servers have stat files: " + live + "; pick one with --file "
            + "or --pid");
    }

    private boolean shown(String name) {
        return filter == null || filter.matcher(name).find();
    }

    private String text(StatFileReader reader, StatFileReader.Values now, StatFileReader.Values previous) {
        final StringBuilder sb = new StringBuilder();
        final long upSeconds = Math.max(0, (System.currentTimeMillis() - reader.startTimeMs()) / 1000);
        sb.append(String.format(Locale.ROOT, "pid %d, up %dh%02dm%02ds, %s%n", reader.pid(), upSeconds / 3600,
            upSeconds / 60 % 60, upSeconds % 60, reader.file()));
        final double seconds = previous == null ? 0 : (now.nanoTime() - previous.nanoTime()) / 1e9;
        for (Map.Entry<String, Long> e : now.counters().entrySet()) {
            if (!shown(e.getKey())) {
                continue;
            }
            sb.append(String.format(Locale.ROOT, "  %-24s %16d", e.getKey(), e.getValue()));
            if (previous != null) {
                sb.append(String.format(Locale.ROOT, " %14.1f/s",
                    (e.getValue() - previous.counters().getOrDefault(e.getKey(), 0L)) / seconds));
            }
            sb.append('\n');
        }
        for (Map.Entry<String, Long> e : now.gauges().entrySet()) {
            if (shown(e.getKey())) {
                sb.append(String.format(Locale.ROOT, "  %-24s %16d  (now)%n", e.getKey(), e.getValue()));
            }
        }
        return sb.toString().stripTrailing();
    }

    private String json(StatFileReader reader, StatFileReader.Values now, StatFileReader.Values previous) {
        final StringBuilder sb = new StringBuilder();
        sb.append("{\"file\":\"").append(reader.file()).append("\",\"pid\":").append(reader.pid())
            .append(",\"startTimeMs\":").append(reader.startTimeMs())
            .append(",\"heartbeatMs\":").append(reader.heartbeatMs()).append(",\"counters\":{");
        final double seconds = previous == null ? 0 : (now.nanoTime() - previous.nanoTime()) / 1e9;
        boolean first = true;
        for (Map.Entry<String, Long> e : now.counters().entrySet()) {
            if (!shown(e.getKey())) {
                continue;
            }
            sb.append(first ? "" : ",").append('"').append(e.getKey()).append("\":{\"total\":").append(e.getValue());
            if (previous != null) {
                sb.append(",\"rate\":").append(String.format(Locale.ROOT, "%.3f",
                    (e.getValue() - previous.counters().getOrDefault(e.getKey(), 0L)) / seconds));
            }
            sb.append('}');
            first = false;
        }
        sb.append("},\"gauges\":{");
        first = true;
        for (Map.Entry<String, Long> e : now.gauges().entrySet()) {
            if (shown(e.getKey())) {
                sb.append(first ? "" : ",").append('"').append(e.getKey()).append("\":").append(e.getValue());
                first = false;
            }
        }
        return sb.append("}}").toString();
    }
}
