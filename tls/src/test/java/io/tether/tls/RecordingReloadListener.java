package io.tether.tls;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Keeps what a {@link ReloadingTlsContext} reported, in order, for tests to wait on. */
final class RecordingReloadListener implements TlsReloadListener {
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();

    @Override
    public void onReloaded(final TlsContext previous, final TlsContext current) {
        events.add("reloaded " + current.certificateChain().get(0).getSerialNumber());
    }

    @Override
    public void onReloadFailed(final RuntimeException reason) {
        events.add("failed " + reason.getMessage());
    }

    @Override
    public void onExpiringSoon(final TlsContext context, final Duration remaining) {
        events.add("expiring in " + remaining.toHours() + "h");
    }

    /** @return the next event, waiting up to 20 seconds for it; fails the test if none comes. */
    String next() throws InterruptedException {
        final String event = events.poll(20, TimeUnit.SECONDS);
        if (event == null) {
            throw new AssertionError("no reload event within 20s");
        }
        return event;
    }

    /** @return an event already reported, or null. */
    String poll() {
        return events.poll();
    }
}
