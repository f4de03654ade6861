package io.tether.tls;

import java.time.Duration;

/**
 * What a {@link ReloadingTlsContext} reports. Called on the thread that checked the files (the
 * watcher thread, or whoever called {@link ReloadingTlsContext#checkNow()}); keep it short and
 * never block an event loop from it.
 */
public interface TlsReloadListener {
    /** New material was validated and is used by every handshake from now on. */
    default void onReloaded(final TlsContext previous, final TlsContext current) {
    }

    /**
     * Changed files could not be used; the previous context stays. A later write is tried again.
     *
     * @param reason what is wrong, naming the file when one is at fault.
     */
    default void onReloadFailed(final RuntimeException reason) {
    }

    /** The serving certificate expires within {@link ReloadingTlsContext#EXPIRY_WARNING}; said once per context. */
    default void onExpiringSoon(final TlsContext context, final Duration remaining) {
    }
}
