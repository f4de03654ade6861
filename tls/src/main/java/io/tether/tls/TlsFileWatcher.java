package io.tether.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The one daemon thread behind {@link ReloadingTlsContext#start}: it waits for events in the
 * directories of the TLS files, or for the check interval to pass, and then has the context
 * compare the files' contents.
 * <p>
 * Any event in a watched directory triggers a check, not only events naming our files: a
 * Kubernetes secret changes by swapping a {@code ..data} symlink, an event about a name we never
 * configured. The periodic check covers swaps that raise no event where we watch at all.
 */
final class TlsFileWatcher implements AutoCloseable {
    /**
     * After an event, how long the directory must stay quiet before checking: a writer renaming a
     * certificate and then its key should be seen as one change, not as a mismatched pair.
     */
    static final Duration SETTLE = Duration.ofMillis(100);
    static final Duration MAX_SETTLE = Duration.ofSeconds(2);

    private final ReloadingTlsContext context;
    private final WatchService watchService;
    private final long intervalNanos;
    private final Thread thread;
    private volatile boolean closed;

    private TlsFileWatcher(final ReloadingTlsContext context, final WatchService watchService,
        final Duration interval) {
        this.context = context;
        this.watchService = watchService;
        this.intervalNanos = interval.toNanos();
        this.thread = Thread.ofPlatform().name("tether-tls-reload").daemon(true).unstarted(this::run);
    }

    /** Watches the directories of the given files (nulls skipped) and starts the thread. */
    static TlsFileWatcher start(final ReloadingTlsContext context, final Duration interval, final Path... files) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("check interval must be positive: " + interval);
        }
        final Set<Path> directories = new LinkedHashSet<>();
        for (final Path file : files) {
            if (file != null) {
                directories.add(file.toAbsolutePath().getParent());
            }
        }
        try {
            final WatchService watchService = FileSystems.getDefault().newWatchService();
            for (final Path directory : directories) {
                directory.register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
            }
            final TlsFileWatcher watcher = new TlsFileWatcher(context, watchService, interval);
            watcher.thread.start();
            return watcher;
        } catch (final IOException ex) {
            throw new UncheckedIOException("cannot watch " + directories + " for TLS file changes", ex);
        }
    }

    /** @return the watcher thread, for checking that it ends. */
    Thread thread() {
        return thread;
    }

    @Override
    public void close() {
        closed = true;
        try {
            watchService.close();
        } catch (final IOException ex) {
            // Closing is best effort; the interrupt below ends the thread either way.
        }
        thread.interrupt();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (final InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        try {
            while (!closed) {
                if (awaitChange()) {
                    settle();
                }
                try {
                    context.checkNow();
                } catch (final RuntimeException ex) {
                    // A listener that throws must not end the watching; the failure is its own to report.
                }
            }
        } catch (final ClosedWatchServiceException | InterruptedException ex) {
            // close() was called.
        }
    }

    /** @return true when an event arrived, false when the interval passed without one. */
    private boolean awaitChange() throws InterruptedException {
        final WatchKey key = watchService.poll(intervalNanos, TimeUnit.NANOSECONDS);
        if (key == null) {
            return false;
        }
        drain(key);
        return true;
    }

    /** Waits until the directories are quiet for {@link #SETTLE}, or {@link #MAX_SETTLE} at most (a busy directory). */
    private void settle() throws InterruptedException {
        final long deadline = System.nanoTime() + MAX_SETTLE.toNanos();
        while (System.nanoTime() - deadline < 0) {
            final WatchKey key = watchService.poll(SETTLE.toNanos(), TimeUnit.NANOSECONDS);
            if (key == null) {
                return;
            }
            drain(key);
        }
    }

    private static void drain(final WatchKey key) {
        key.pollEvents();
        key.reset();
    }
}
