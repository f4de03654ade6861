package io.tether.engine.server;

import io.tether.telemetry.log.LogEvent;
import io.tether.telemetry.Counters;
import io.tether.telemetry.Metric;
import io.tether.tls.TlsContext;
import io.tether.tls.TlsReloadListener;
import java.time.Duration;

/** Says what the TLS file watcher did: new material in use, material refused (the old stays), expiry near. */
final class TlsReloadLog implements TlsReloadListener {
    private static final LogEvent RELOADED = LogEvent.info(TlsReloadLog.class, "tls.reload.applied");
    private static final LogEvent REFUSED = LogEvent.warn(TlsReloadLog.class, "tls.reload.refused");
    private static final LogEvent EXPIRING = LogEvent.warn(TlsReloadLog.class, "tls.certificate.expiring");
    private final io.tether.telemetry.CounterSet counters;

    TlsReloadLog(Counters counters) {
        this.counters = counters.newSet("tls-reload");
    }

    @Override
    public void onReloaded(TlsContext previous, TlsContext current) {
        counters.addShared(Metric.TLS_RELOADS, 1);
        RELOADED.log("subject", current.certificateChain().get(0).getSubjectX500Principal(), "not_after",
            current.notAfter());
    }

    @Override
    public void onReloadFailed(RuntimeException reason) {
        counters.addShared(Metric.TLS_RELOAD_FAILURES, 1);
        REFUSED.log("reason", reason.getMessage());
    }

    @Override
    public void onExpiringSoon(TlsContext context, Duration remaining) {
        EXPIRING.log("subject", context.certificateChain().get(0).getSubjectX500Principal(), "hours_left",
            remaining.toHours());
    }
}
