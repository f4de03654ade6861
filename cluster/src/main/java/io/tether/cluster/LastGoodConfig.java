package io.tether.cluster;

import io.tether.engine.config.ConfigFile;
import io.tether.engine.config.TetherConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The settings last applied from etcd, kept on local disk so that a server started while etcd is down runs with
 * them rather than with none. The file is in the config file's format (properties), with the etcd revision they
 * were read at in a comment line; it is replaced by a rename, so a crash mid-write leaves the previous one.
 */
public final class LastGoodConfig {
    private static final String REVISION = "# etcd-revision ";

    /** What was kept: the settings from etcd and the revision they were read at. */
    public record Kept(Map<String, List<String>> settings, long revision, Path file) {
    }

    private final Path file;

    private LastGoodConfig(Path file) {
        this.file = file;
    }

    /** The file {@code etcd-last-good} names for this node, or null when it is off. */
    public static LastGoodConfig of(TetherConfig config, String nodeName) {
        return switch (config.etcdLastGood()) {
            case "off" -> null;
            case "auto" -> new LastGoodConfig(Path.of(System.getProperty("user.home"), ".tether",
                "last-good-" + nodeName.replaceAll("[^A-Za-z0-9._-]", "_") + ".properties"));
            default -> new LastGoodConfig(Path.of(config.etcdLastGood()));
        };
    }

    public Path file() {
        return file;
    }

    /** The kept settings, or null when there are none (or they cannot be read: then they are no good). */
    public Kept read() {
        final String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
        long revision = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith(REVISION)) {
                try {
                    revision = Long.parseLong(line.substring(REVISION.length()).trim());
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        try {
            return new Kept(ConfigFile.parse(text), revision, file);
        } catch (IOException e) {
            return null;
        }
    }

    /** Replaces the kept settings (off the event loops: this is disk I/O). */
    public void write(Map<String, List<String>> settings, long revision) throws IOException {
        final StringBuilder sb = new StringBuilder();
        sb.append("# The settings tether last applied from etcd; read at startup when etcd cannot be reached.\n");
        sb.append("# written ").append(Instant.now()).append('\n');
        sb.append(REVISION).append(revision).append('\n');
        new TreeMap<>(settings).forEach((name, values) -> {
            for (String v : values) {
                sb.append(name).append(" = ").append(escape(v)).append('\n');
            }
        });
        Files.createDirectories(file.toAbsolutePath().getParent());
        final Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, sb, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Properties escapes: a backslash, and leading whitespace a reader would drop. */
    private static String escape(String v) {
        final String s = v.replace("\\", "\\\\").replace("\n", "\\n");
        return s.startsWith(" ") ? "\\" + s : s;
    }
}
