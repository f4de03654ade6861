package io.tether.telemetry;

/** What tether counts. Each event loop owns one counter per metric (single writer); readers sum them. */
public enum Metric {
    CONNECTIONS_ACCEPTED("connections accepted (and adopted)"),
    CONNECTIONS_CLOSED("connections closed"),
    SESSIONS_OPENED("sessions opened by a Hello"),
    FRAMES_IN("frames received"),
    FRAMES_OUT("frames sent"),
    BYTES_IN("bytes received"),
    BYTES_OUT("bytes sent"),
    REQUESTS("requests dispatched"),
    PUSHES("pushes sent"),
    HANDLER_ERRORS("handlers that threw"),
    PROTOCOL_ERRORS("connections closed for a protocol violation"),
    HANDSHAKE_TIMEOUTS("connections closed for no Hello (or WebSocket upgrade) in time"),
    HEARTBEAT_TIMEOUTS("connections closed after missing heartbeats"),
    PINGS("heartbeat pings sent"),
    TLS_FAILURES("connections closed by a failed TLS handshake or record"),
    TLS_RELOADS("TLS material reloads put in use"),
    TLS_RELOAD_FAILURES("TLS material refused on reload (the previous stayed in use)"),
    SLOW_CONSUMERS("connections closed as slow consumers"),
    UNDELIVERED("frames for connections that had closed");

    private final String description;

    Metric(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
