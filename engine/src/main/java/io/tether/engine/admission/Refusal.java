package io.tether.engine.admission;

import io.tether.telemetry.Metric;

/** Why admission control turned a connection (or a Hello) away; each reason is a counter of its own. */
public enum Refusal {
    BANNED(Metric.REFUSED_BANNED),
    FLAPPING(Metric.REFUSED_FLAPPING),
    IP_CONNECTIONS(Metric.REFUSED_IP_CONNECTIONS),
    PREFIX_CONNECTIONS(Metric.REFUSED_PREFIX_CONNECTIONS),
    IP_RATE(Metric.REFUSED_IP_RATE),
    ACCEPT_RATE(Metric.REFUSED_ACCEPT_RATE),
    MAX_CONNECTIONS(Metric.REFUSED_MAX_CONNECTIONS),
    OPEN_FILES(Metric.REFUSED_OPEN_FILES),
    LISTENER_CONNECTIONS(Metric.REFUSED_LISTENER_CONNECTIONS),
    BREAKER_OPEN(Metric.REFUSED_BREAKER_OPEN),
    OVERLOADED(Metric.REFUSED_OVERLOADED),
    REQUEST_RATE(Metric.REFUSED_REQUEST_RATE);

    private final Metric metric;

    Refusal(Metric metric) {
        this.metric = metric;
    }

    public Metric metric() {
        return metric;
    }

    /** The reason as metrics and logs name it ({@code ip_rate}). */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
