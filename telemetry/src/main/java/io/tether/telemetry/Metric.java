package io.tether.telemetry;

import java.util.Locale;

/**
 * What tether counts. Each event loop owns one counter per metric (single writer); readers sum them.
 *
 * <p>This enum is the registry: a constant is a counter in every loop's set, a line in {@code tether stat}, a
 * Prometheus series and an OpenTelemetry counter. Constants that share an export name are one instrument, told
 * apart by one attribute (a reason, a direction), which keeps attribute sets small and bounded; a subsystem that
 * counts refusals by reason adds one constant per reason under one export name.
 */
public enum Metric {
    CONNECTIONS_ACCEPTED("connections accepted (and adopted)", "tether.server.connections.accepted", "{connection}"),
    CONNECTIONS_CLOSED("connections closed", "tether.server.connections.closed", "{connection}"),
    SESSIONS_OPENED("sessions opened by a Hello", "tether.server.sessions.opened", "{session}"),
    SESSIONS_DETACHED("sessions whose connection was lost, kept for resume", "tether.server.sessions.detached",
        "{session}"),
    SESSIONS_RESUMED("sessions resumed by a Hello with their token", "tether.server.sessions.resumed", "{session}"),
    RESUMES_REFUSED("resume attempts answered with a new session (unknown or wrong token, expired, data lost)",
        "tether.server.resumes.refused", "{session}"),
    SESSIONS_TAKEN_OVER("connections closed because their session resumed on another",
        "tether.server.sessions.taken_over", "{session}"),
    SESSIONS_EXPIRED("detached sessions ended at the end of the resume window", "tether.server.sessions.expired",
        "{session}"),
    SESSIONS_EVICTED("detached sessions evicted from the session cache", "tether.server.sessions.evicted",
        "{session}"),
    SESSIONS_KICKED("sessions ended by kick()", "tether.server.sessions.kicked", "{session}"),
    PUSHES_REPLAYED("pushes sent again after a resume", "tether.server.pushes.replayed", "{push}"),
    PUSHES_DROPPED("unacknowledged pushes dropped from a full session outbox", "tether.server.pushes.dropped",
        "{push}"),
    DUPLICATE_REQUESTS("re-sent requests answered from the recent-response window or already running",
        "tether.server.requests.duplicate", "{request}"),
    FRAMES_IN("frames received", "tether.io.frames", "{frame}", "network.io.direction", "receive"),
    FRAMES_OUT("frames sent", "tether.io.frames", "{frame}", "network.io.direction", "transmit"),
    BYTES_IN("bytes received", "tether.io.bytes", "By", "network.io.direction", "receive"),
    BYTES_OUT("bytes sent", "tether.io.bytes", "By", "network.io.direction", "transmit"),
    REQUESTS("requests dispatched", "tether.server.requests", "{request}"),
    PUSHES("pushes sent", "tether.server.pushes", "{push}"),
    HANDLER_ERRORS("handlers that threw", "tether.server.handler.errors", "{request}"),
    PROTOCOL_ERRORS("connections closed for a protocol violation", "tether.server.connection.failures",
        "{connection}", "error.type", "protocol_error"),
    HANDSHAKE_TIMEOUTS("connections closed for no Hello (or WebSocket upgrade) in time",
        "tether.server.connection.failures", "{connection}", "error.type", "handshake_timeout"),
    HEARTBEAT_TIMEOUTS("connections closed after missing heartbeats", "tether.server.connection.failures",
        "{connection}", "error.type", "heartbeat_timeout"),
    REFUSED_BANNED("connections refused: the address or client id is on the operator's ban list",
        "tether.server.connections.refused", "{connection}", "reason", "banned"),
    REFUSED_FLAPPING("connections refused: the address or client id connected too often and is banned for a while",
        "tether.server.connections.refused", "{connection}", "reason", "flapping"),
    REFUSED_IP_CONNECTIONS("connections refused: max-ip-connections from that address",
        "tether.server.connections.refused", "{connection}", "reason", "ip_connections"),
    REFUSED_PREFIX_CONNECTIONS("connections refused: max-prefix-connections from that address's prefix",
        "tether.server.connections.refused", "{connection}", "reason", "prefix_connections"),
    REFUSED_IP_RATE("connections refused: that address is over ip-connect-rate",
        "tether.server.connections.refused", "{connection}", "reason", "ip_rate"),
    REFUSED_ACCEPT_RATE("connections refused: over accept-rate (closed at once, or waited too long in the queue)",
        "tether.server.connections.refused", "{connection}", "reason", "accept_rate"),
    REFUSED_MAX_CONNECTIONS("connections refused: max-connections of the server",
        "tether.server.connections.refused", "{connection}", "reason", "max_connections"),
    REFUSED_OPEN_FILES("connections refused: the process is near its limit of open files (max-connections is capped "
        + "below it)", "tether.server.connections.refused", "{connection}", "reason", "open_files"),
    REFUSED_LISTENER_CONNECTIONS("connections refused: max-listener-connections of their listener",
        "tether.server.connections.refused", "{connection}", "reason", "listener_connections"),
    REFUSED_BREAKER_OPEN("connections refused: their listener's handshake breaker is open",
        "tether.server.connections.refused", "{connection}", "reason", "breaker_open"),
    REFUSED_OVERLOADED("sessions refused (Goodbye 4008): the event loops lag or the heap is nearly full",
        "tether.server.connections.refused", "{connection}", "reason", "overloaded"),
    REFUSED_REQUEST_RATE("requests answered with status 8: their session is over session-request-rate",
        "tether.server.requests.refused", "{request}", "reason", "request_rate"),
    SHED_PAUSES("times the listeners stopped accepting because the loops lagged or the heap was nearly full",
        "tether.server.shed.pauses", "{pause}"),
    BREAKER_OPENS("times a listener's handshake breaker opened", "tether.server.breaker.opens", "{open}"),
    ACCEPTS_QUEUED("connections held in the accept queue until the accept rate let them in",
        "tether.server.connections.queued", "{connection}"),
    ADMISSION_UNTRACKED("connections admitted without per-address checks: admission-table-size was reached",
        "tether.server.connections.untracked", "{connection}"),
    PINGS("heartbeat pings sent", "tether.server.pings", "{ping}"),
    TLS_FAILURES("connections closed by a failed TLS handshake or record", "tether.server.connection.failures",
        "{connection}", "error.type", "tls_error"),
    TLS_RELOADS("TLS material reloads put in use", "tether.tls.reloads", "{reload}", "outcome", "success"),
    TLS_RELOAD_FAILURES("TLS material refused on reload (the previous stayed in use)", "tether.tls.reloads",
        "{reload}", "outcome", "failure"),
    SLOW_CONSUMERS("connections closed as slow consumers", "tether.server.connection.failures", "{connection}",
        "error.type", "slow_consumer"),
    UNDELIVERED("frames for connections that had closed", "tether.io.frames.undelivered", "{frame}"),
    CONFIG_APPLIED("config changes put in force (from the config file or etcd)", "tether.config.changes", "{change}",
        "outcome", "applied"),
    CONFIG_REFUSED("config changes refused (the previous config stayed in force)", "tether.config.changes",
        "{change}", "outcome", "refused"),
    ETCD_RETRIES("etcd reads and watches retried after a failure", "tether.config.etcd.retries", "{retry}"),
    ETCD_RESYNCS("whole-prefix etcd reads after a compaction or a silent watch", "tether.config.etcd.resyncs",
        "{read}"),
    SESSIONS_HANDED_IN("sessions taken over from another cluster node when their client resumed here",
        "tether.cluster.handoffs", "{session}", "direction", "in"),
    SESSIONS_HANDED_OUT("sessions handed over to another cluster node", "tether.cluster.handoffs", "{session}",
        "direction", "out"),
    HANDOFFS_FAILED("resumes of another node's session that got a new session (owner gone or refused)",
        "tether.cluster.handoffs", "{session}", "direction", "failed"),
    PUSHES_FORWARDED("pushes and kicks sent to the cluster node that holds their session",
        "tether.cluster.forwards", "{push}"),
    CLUSTER_LEASE_RENEWALS_FAILED("cluster lease keep-alives that etcd did not answer in time",
        "tether.cluster.lease", "{event}", "event", "renewal_failed"),
    CLUSTER_LEASE_EXPIRED("cluster leases found expired (etcd no longer knew them): the node registered again",
        "tether.cluster.lease", "{event}", "event", "expired"),
    CLUSTER_REGISTERED("cluster registrations (the first, and each after a lost lease)", "tether.cluster.lease",
        "{event}", "event", "registered"),
    CLUSTER_FENCED("times this node stopped owning sessions because its lease could not be kept alive",
        "tether.cluster.lease", "{event}", "event", "fenced"),
    CLUSTER_DIRECTORY_WRITES("etcd transactions writing the cluster's session directory (moves)",
        "tether.cluster.directory.writes", "{transaction}"),
    LOG_DROPPED_SAMPLED("log records turned away by sampling", "tether.log.records.dropped", "{record}", "reason",
        "sampled"),
    LOG_DROPPED_QUEUE_FULL("log records dropped because the writer's queue was full",
        "tether.log.records.dropped", "{record}", "reason", "queue_full"),
    LOG_DROPPED_DISK_HIGH_WATER("DEBUG and INFO log records dropped below log-disk-high-water",
        "tether.log.records.dropped", "{record}", "reason", "disk_high_water"),
    LOG_DROPPED_DISK_LOW_WATER("log records not written to file below log-disk-low-water",
        "tether.log.records.dropped", "{record}", "reason", "disk_low_water"),
    LOG_DROPPED_WRITE_ERROR("log records lost to a failed write", "tether.log.records.dropped", "{record}",
        "reason", "write_error"),
    LOG_DROPPED_OTLP_QUEUE_FULL("log records not exported: the OTLP export queue was full",
        "tether.log.records.dropped", "{record}", "reason", "otlp_queue_full"),
    LOG_DROPPED_OTLP_EXPORT_FAILED("log records whose OTLP export failed", "tether.log.records.dropped",
        "{record}", "reason", "otlp_export_failed");

    private final String description;
    private final String exportName;
    private final String unit;
    private final String attributeKey;
    private final String attributeValue;

    Metric(String description, String exportName, String unit) {
        this(description, exportName, unit, null, null);
    }

    Metric(String description, String exportName, String unit, String attributeKey, String attributeValue) {
        this.description = description;
        this.exportName = exportName;
        this.unit = unit;
        this.attributeKey = attributeKey;
        this.attributeValue = attributeValue;
    }

    public String description() {
        return description;
    }

    /** The name in tether stat and in the stat file: kebab-case. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The OpenTelemetry instrument this counter is part of (a monotonic sum). */
    public String exportName() {
        return exportName;
    }

    /** The UCUM unit of the instrument, as OpenTelemetry writes it ({@code By}, {@code {frame}}). */
    public String unit() {
        return unit;
    }

    /** The one attribute that tells this counter from others of its instrument, or null. */
    public String attributeKey() {
        return attributeKey;
    }

    public String attributeValue() {
        return attributeValue;
    }
}
