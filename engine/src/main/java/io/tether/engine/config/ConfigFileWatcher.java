package io.tether.engine.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Follows the config file, as the TLS files are followed: one daemon thread waits for an event in the file's
 * directory (any event: an editor or a Kubernetes ConfigMap replaces the file by a rename or a symlink swap) or for
 * {@code config-check-interval} to pass, then compares the file's bytes with the last read. New bytes are parsed and
 * given to {@link LiveConfig#update} as the whole file layer; bytes that cannot be read or parsed are refused there,
 * and the config in force stays.
 */
public final class ConfigFileWatcher implements AutoCloseable {
    /** Quiet time after an event before reading, so a write in several steps is read once, whole. */
    private static final Duration SETTLE = Duration.ofMillis(50);

    private final Path file;
    private final LiveConfig live;
    private final WatchService watchService;
    private final long intervalNanos;
    private final Thread thread;
    private volatile boolean closed;
    /** The bytes last given to the live config; only the watcher thread touches it after start. */
    private byte[] last;

    private ConfigFileWatcher(Path file, LiveConfig live, WatchService watchService, Duration interval, byte[] last) {
        this.file = file;
        this.live = live;
        this.watchService = watchService;
        this.intervalNanos = interval.toNanos();
        this.last = last;
        this.thread = Thread.ofPlatform().name("tether-config-file").daemon(true).unstarted(this::run);
    }

    /**
     * Reads the file once, for the config a server starts with.
     *
     * @throws ConfigException when it cannot be read or parsed
     */
    public static Map<String, List<String>> readAtStart(Path file) {
        try {
            return ConfigFile.read(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of("config: no such file " + file));
        } catch (IOException e) {
            throw new ConfigException(List.of("config: cannot read " + file + ": " + e.getMessage()));
        }
    }

    /** Watches {@code file} for the config {@code live}; changes from now on go to it. */
    public static ConfigFileWatcher start(Path file, LiveConfig live, Duration interval) {
        final Path absolute = file.toAbsolutePath();
        byte[] initial;
        try {
            initial = Files.readAllBytes(absolute);
        } catch (IOException e) {
            initial = null;
        }
        try {
            final WatchService ws = FileSystems.getDefault().newWatchService();
            absolute.getParent().register(ws, StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
            final ConfigFileWatcher watcher = new ConfigFileWatcher(absolute, live, ws, interval, initial);
            watcher.thread.start();
            return watcher;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot watch " + absolute.getParent() + " for config file changes", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            watchService.close();
        } catch (IOException e) {
            // best effort; the interrupt ends the thread either way
        }
        thread.interrupt();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        try {
            while (!closed) {
                final WatchKey key = watchService.poll(intervalNanos, TimeUnit.NANOSECONDS);
                if (key != null) {
                    drain(key);
                    WatchKey more;
                    while ((more = watchService.poll(SETTLE.toNanos(), TimeUnit.NANOSECONDS)) != null) {
                        drain(more);
                    }
                }
                checkNow();
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // close() was called
        }
    }

    /** Reads the file and, if its bytes changed, offers them to the live config. */
    void checkNow() {
        final byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            if (last != null) { // say it once, not every interval
                last = null;
                live.refuse(ConfigSource.FILE, List.of("config: cannot read " + file + ": " + e));
            }
            return;
        }
        if (Arrays.equals(bytes, last)) {
            return;
        }
        last = bytes;
        final Map<String, List<String>> layer;
        try {
            layer = ConfigFile.parse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            live.refuse(ConfigSource.FILE, List.of("config: " + file + " is " + e.getMessage()));
            return;
        }
        try {
            live.update(ConfigSource.FILE, layer);
        } catch (RuntimeException e) {
            // a listener that throws must not end the watching; the live config logged what it could
        }
    }

    private static void drain(WatchKey key) {
        key.pollEvents();
        key.reset();
    }
}
