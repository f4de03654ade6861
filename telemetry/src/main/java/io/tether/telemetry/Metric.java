package io.tether.telemetry;

/** What tether counts. Each event loop owns one counter per metric (single writer); readers sum them. */
public enum Metric {
    CONNECTIONS_ACCEPTED("connections accepted (and adopted)"),
    CONNECTIONS_CLOSED("connections closed"),
    SESSIONS_OPENED("sessions opened by a Hello"),
    SESSIONS_DETACHED("sessions whose connection was lost, kept for resume"),
    SESSIONS_RESUMED("sessions resumed by a Hello with their token"),
    RESUMES_REFUSED("resume attempts answered with a new session (unknown or wrong token, expired, data lost)"),
    SESSIONS_TAKEN_OVER("connections closed because their session resumed on another"),
    SESSIONS_EXPIRED("detached sessions ended at the end of the resume window"),
    SESSIONS_EVICTED("detached sessions evicted from the session cache"),
    SESSIONS_KICKED("sessions ended by kick()"),
    PUSHES_REPLAYED("pushes sent again after a resume"),
    PUSHES_DROPPED("unacknowledged pushes dropped from a full session outbox"),
    DUPLICATE_REQUESTS("re-sent requests answered from the recent-response window or already running"),
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
