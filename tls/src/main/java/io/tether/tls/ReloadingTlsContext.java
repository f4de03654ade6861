package io.tether.tls;

import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The server's current {@link TlsContext}, replaced atomically when its PEM files change.
 * <p>
 * Each accepted connection takes {@link #current()} once and keeps that context for its life, so
 * a reload affects new handshakes only. New material is validated completely before it is used;
 * a half-written file or a key that does not match keeps the old context, is counted and reported,
 * and the next write is tried again. The files are compared by a digest of their contents, so the
 * same broken files are reported once, not on every check.
 * <p>
 * {@link #start} also starts one daemon thread that watches the files' directories and checks the
 * contents periodically, because an atomic symlink swap (Kubernetes secrets) does not always raise
 * an event where it is watched.
 */
public final class ReloadingTlsContext implements Supplier<TlsContext>, AutoCloseable {
    /** Under this much time left, the serving certificate is reported as expiring soon. */
    public static final Duration EXPIRY_WARNING = Duration.ofHours(72);
    /** How often the files are compared when no event arrives. */
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(10);

    private final TlsSettings settings;
    private final TlsReloadListener listener;
    private final InstantSource clock;
    private final AtomicReference<TlsContext> current = new AtomicReference<>();
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong failedReloads = new AtomicLong();
    private final AtomicReference<RuntimeException> lastFailure = new AtomicReference<>();
    private final ReentrantLock checkLock = new ReentrantLock();
    private FileContents lastChecked;
    private TlsContext warnedAbout;
    private TlsFileWatcher watcher;

    private ReloadingTlsContext(final TlsSettings settings, final TlsReloadListener listener,
        final InstantSource clock) {
        this.settings = settings;
        this.listener = listener;
        this.clock = clock;
        final FileContents files = TlsContext.readFiles(settings);
        current.set(TlsContext.forServer(settings, files, clock.instant()));
        lastChecked = files;
        warnIfExpiringSoon();
    }

    /**
     * Loads the files, failing if they cannot be used, and starts watching them.
     *
     * @param checkInterval how often contents are compared when no file event arrives.
     * @throws TlsMaterialException when the initial material is unusable.
     */
    public static ReloadingTlsContext start(
        final TlsSettings settings, final TlsReloadListener listener, final Duration checkInterval) {
        final ReloadingTlsContext context = load(settings, listener, InstantSource.system());
        context.watcher = TlsFileWatcher.start(context, checkInterval,
            settings.tlsCert(), settings.tlsKey(), settings.tlsKeyPasswordFile(), settings.tlsCa());
        return context;
    }

    /** Loads the files without watching them; reload with {@link #checkNow()}. */
    public static ReloadingTlsContext load(
        final TlsSettings settings, final TlsReloadListener listener, final InstantSource clock) {
        return new ReloadingTlsContext(settings, listener, clock);
    }

    /** @return the context new handshakes use. */
    public TlsContext current() {
        return current.get();
    }

    @Override
    public TlsContext get() {
        return current();
    }

    /**
     * Reads the files and, if their contents changed since the last check, validates them and
     * swaps the context.
     *
     * @return true when the context was replaced.
     */
    public boolean checkNow() {
        checkLock.lock();
        try {
            final boolean swapped = reloadIfChanged();
            warnIfExpiringSoon();
            return swapped;
        } finally {
            checkLock.unlock();
        }
    }

    /** @return how many times new material was put in use. */
    public long reloadCount() {
        return reloads.get();
    }

    /** @return how many changed sets of files were refused. */
    public long failedReloadCount() {
        return failedReloads.get();
    }

    /** @return why the last refused reload was refused, or null when none was. */
    public RuntimeException lastFailure() {
        return lastFailure.get();
    }

    /** @return seconds until the serving certificate expires; negative once it has. */
    public long secondsToExpiry() {
        return Duration.between(clock.instant(), current().notAfter()).toSeconds();
    }

    /** @return whether the serving certificate expires within {@link #EXPIRY_WARNING}. */
    public boolean expiresSoon() {
        return secondsToExpiry() < EXPIRY_WARNING.toSeconds();
    }

    /** Stops the watcher thread, if any. The current context stays usable. */
    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
    }

    TlsFileWatcher watcher() {
        return watcher;
    }

    private boolean reloadIfChanged() {
        final FileContents files;
        try {
            files = TlsContext.readFiles(settings);
        } catch (final TlsMaterialException ex) {
            // Reported once, not on every check, until the files can be read again; a file missing
            // for a moment during a rotation costs one count.
            if (lastChecked != null) {
                lastChecked = null;
                refuse(ex);
            }
            return false;
        }
        if (files.sameAs(lastChecked)) {
            return false;
        }
        lastChecked = files;
        final TlsContext next;
        try {
            next = TlsContext.forServer(settings, files, clock.instant());
        } catch (final RuntimeException ex) {
            refuse(ex);
            return false;
        }
        final TlsContext previous = current.getAndSet(next);
        reloads.incrementAndGet();
        listener.onReloaded(previous, next);
        return true;
    }

    private void refuse(final RuntimeException reason) {
        failedReloads.incrementAndGet();
        lastFailure.set(reason);
        listener.onReloadFailed(reason);
    }

    private void warnIfExpiringSoon() {
        final TlsContext context = current();
        final Duration remaining = Duration.between(clock.instant(), context.notAfter());
        if (context != warnedAbout && remaining.compareTo(EXPIRY_WARNING) < 0) {
            warnedAbout = context;
            listener.onExpiringSoon(context, remaining);
        }
    }
}
