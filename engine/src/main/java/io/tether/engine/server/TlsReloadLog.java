package io.tether.engine.server;

import io.tether.telemetry.Counters;
import io.tether.telemetry.Metric;
import io.tether.tls.TlsContext;
import io.tether.tls.TlsReloadListener;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Says what the TLS file watcher did: new material in use, material refused (the old stays), expiry near. */
final class TlsReloadLog implements TlsReloadListener {
    private static final Logger LOG = LoggerFactory.getLogger(TlsReloadLog.class);
    private final io.tether.telemetry.CounterSet counters;

    TlsReloadLog(Counters counters) {
        this.counters = counters.newSet("tls-reload");
    }

    @Override
    public void onReloaded(TlsContext previous, TlsContext current) {
        counters.addShared(Metric.TLS_RELOADS, 1);
        LOG.info("TLS material reloaded: serving {} (expires {})",
            current.certificateChain().get(0).getSubjectX500Principal(), current.notAfter());
    }

    @Override
    public void onReloadFailed(RuntimeException reason) {
        counters.addShared(Metric.TLS_RELOAD_FAILURES, 1);
        LOG.warn("TLS material not reloaded, the previous stays in use: {}", reason.getMessage());
    }

    @Override
    public void onExpiringSoon(TlsContext context, Duration remaining) {
        LOG.warn("the TLS certificate {} expires in {} h", context.certificateChain().get(0).getSubjectX500Principal(),
            remaining.toHours());
    }
}
