package io.tether.engine.config;

import io.tether.tls.ClientAuth;
import io.tether.tls.TlsProvider;
import io.tether.tls.TlsSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Every setting of a tether server, immutable and validated as a whole. Flags, config-file keys and etcd keys are
 * the kebab-case names of these components ({@code heartbeatInterval} is {@code --heartbeat-interval}).
 * Build one with {@link ConfigBinder}, which applies the defaults below and then {@link #problems()}.
 */
public record TetherConfig(
    @Setting(description = "Address to serve, tcp://HOST:PORT.", defaultValue = "tcp://0.0.0.0:7000",
        repeatable = true)
    List<ListenAddress> listen,
    @Setting(description = "Event loop threads; 0 means one per core.", defaultValue = "0")
    int ioThreads,
    @Setting(description = "Where the built-in methods run: virtual (virtual threads) or inline (the event loop).",
        defaultValue = "virtual")
    Dispatch dispatch,
    @Setting(description = "What carries handlers' virtual threads: loop (they start on the event loop that read "
        + "the request; one that blocks parks, frees the loop and goes on on the JDK's scheduler; needs JDK 24+ "
        + "and java.lang open to tether, else shared, and the log says so) or shared (the JDK's scheduler, a "
        + "carrier per core: for handlers that compute for long).",
        defaultValue = "loop")
    VirtualCarrier virtualCarrier,
    @Setting(description = "Largest frame accepted; a longer one is refused before it is read.",
        defaultValue = "1MiB")
    int maxFrameSize,
    @Setting(description = "Time a new connection has to send its Hello.", defaultValue = "10s", live = true)
    Duration handshakeTimeout,
    @Setting(description = "Idle time after which a connection is pinged; sent to clients in Welcome.",
        defaultValue = "30s", live = true)
    Duration heartbeatInterval,
    @Setting(description = "Missed heartbeat intervals after which a silent connection is closed.",
        defaultValue = "2", live = true)
    int heartbeatMisses,
    @Setting(description = "Queued outbound bytes above which senders to a session wait.", defaultValue = "256KiB")
    int writeHighWatermark,
    @Setting(description = "Queued outbound bytes below which waiting senders resume.", defaultValue = "64KiB")
    int writeLowWatermark,
    @Setting(description = "Time a session may stay above the high watermark before it is closed as a slow "
        + "consumer.", defaultValue = "10s", live = true)
    Duration slowConsumerTimeout,
    @Setting(description = "Requests a session may have queued for its handlers before the server stops "
        + "reading from it.", defaultValue = "1024")
    int maxSessionInflight,
    @Setting(description = "Time a session whose connection was lost stays resumable (its pushes keep queueing).",
        defaultValue = "2m", live = true)
    Duration resumeWindow,
    @Setting(description = "Unacknowledged push bytes kept per session for resume; past it the oldest are dropped "
        + "and a resume from before them starts a new session.", defaultValue = "1MiB", live = true)
    int sessionOutboxBytes,
    @Setting(description = "Bytes of all detached sessions (with their outboxes) kept for resume; past it the "
        + "least recently used (LRU-2) are evicted.", defaultValue = "256MiB")
    long sessionCacheBytes,
    @Setting(description = "Recent responses kept per session, so a request re-sent after a resume is answered "
        + "without running again.", defaultValue = "64")
    int sessionResponseWindow,
    @Setting(description = "Interval of the one-line stats summary; 0 turns it off.", defaultValue = "10s",
        live = true)
    Duration statsInterval,
    @Setting(description = "Time in-flight handlers get to finish on shutdown.", defaultValue = "10s", live = true)
    Duration shutdownGrace,
    @Setting(description = "Admission control counts what it would refuse, by reason, but refuses nothing: to size "
        + "the limits before enforcing them.", defaultValue = "false", live = true)
    boolean admissionDryRun,
    @Setting(description = "Address blocks (ADDRESS or ADDRESS/PREFIX) exempt from the per-address, per-client and "
        + "per-session limits; the server-wide ones still apply.", defaultValue = "127.0.0.0/8,::1",
        repeatable = true, live = true)
    List<String> admissionExempt,
    @Setting(description = "Address blocks (ADDRESS or ADDRESS/PREFIX) whose connections are closed at once.",
        repeatable = true, live = true)
    List<String> bannedAddresses,
    @Setting(description = "Client ids whose Hello is refused with Goodbye 4008.", repeatable = true, live = true)
    List<String> bannedClients,
    @Setting(description = "Connections the listeners keep open at once; past it new ones are closed. 0: no "
        + "limit but the process's open-file limit (connections are refused a little below it either way).", defaultValue = "100000", live = true)
    int maxConnections,
    @Setting(description = "Connections each listener keeps open at once. 0: no limit of its own.",
        defaultValue = "0", live = true)
    int maxListenerConnections,
    @Setting(description = "New connections admitted per second, all listeners together (the sustained rate). 0: "
        + "no limit.", defaultValue = "2000", live = true)
    int acceptRate,
    @Setting(description = "New connections admitted at once above accept-rate after a quiet spell; not below "
        + "accept-rate.", defaultValue = "4000", live = true)
    int acceptBurst,
    @Setting(description = "Past accept-rate: close (at once) or queue (held until the rate lets them in, at most "
        + "accept-queue of them for accept-queue-wait).", defaultValue = "queue", live = true)
    io.tether.engine.admission.AcceptOverflow acceptOverflow,
    @Setting(description = "Connections held past accept-rate; while it is full the listeners stop accepting (the "
        + "kernel's backlog holds the rest).", defaultValue = "1024", live = true)
    int acceptQueue,
    @Setting(description = "Longest a connection waits in the accept queue before it is closed.",
        defaultValue = "1s", live = true)
    Duration acceptQueueWait,
    @Setting(description = "Connections one source address keeps open at once. 0: no limit.",
        defaultValue = "1024", live = true)
    int maxIpConnections,
    @Setting(description = "Connections the addresses of one prefix (ipv4-prefix, ipv6-prefix) keep open at once. "
        + "0: no limit.", defaultValue = "4096", live = true)
    int maxPrefixConnections,
    @Setting(description = "Prefix length that groups IPv4 addresses for max-prefix-connections.",
        defaultValue = "24")
    int ipv4Prefix,
    @Setting(description = "Prefix length that groups IPv6 addresses for max-prefix-connections.",
        defaultValue = "64")
    int ipv6Prefix,
    @Setting(description = "New connections per second from one address (sustained). 0: no limit.",
        defaultValue = "50", live = true)
    int ipConnectRate,
    @Setting(description = "New connections at once from one address after a quiet spell; not below "
        + "ip-connect-rate.", defaultValue = "200", live = true)
    int ipConnectBurst,
    @Setting(description = "Connections from one address within flap-window past which it is banned for flap-ban. "
        + "0: off.", defaultValue = "0", live = true)
    int ipFlapThreshold,
    @Setting(description = "Hellos of one client id within flap-window past which it is refused for flap-ban "
        + "(its sessions already open stay). 0: off.", defaultValue = "30", live = true)
    int clientFlapThreshold,
    @Setting(description = "Window over which connects are counted for flapping.", defaultValue = "1m",
        live = true)
    Duration flapWindow,
    @Setting(description = "How long a flapping address or client id is refused.", defaultValue = "1m",
        live = true)
    Duration flapBan,
    @Setting(description = "Source addresses, and client ids, tracked for the per-address limits and flapping; "
        + "past it an unknown address is admitted unchecked (counted).", defaultValue = "65536", live = true)
    int admissionTableSize,
    @Setting(description = "Share of failed handshakes (TLS, WebSocket upgrade, Hello) over breaker-window at which "
        + "a listener's breaker opens and refuses new connections. 0: off.", defaultValue = "0.5", live = true)
    double breakerFailureRatio,
    @Setting(description = "Sliding window over which the breaker weighs handshakes.", defaultValue = "10s",
        live = true)
    Duration breakerWindow,
    @Setting(description = "Handshakes the window must hold before the breaker may open.", defaultValue = "100",
        live = true)
    int breakerMinHandshakes,
    @Setting(description = "How long an open breaker refuses every new connection before it lets probes through.",
        defaultValue = "5s", live = true)
    Duration breakerOpenTime,
    @Setting(description = "Connections a half-open breaker lets through as probes; all completing closes it, one "
        + "failing opens it again.", defaultValue = "10", live = true)
    int breakerProbes,
    @Setting(description = "Time a probe has to complete its handshake; past it, it counts as failed.",
        defaultValue = "5s", live = true)
    Duration breakerProbeTimeout,
    @Setting(description = "Event-loop lag (readiness to handling) past which the server stops accepting; past "
        + "twice it, it also refuses new sessions with Goodbye 4008. 0: off.", defaultValue = "1s",
        live = true)
    Duration shedLoopLag,
    @Setting(description = "Heap in use after a collection, as a share of the maximum, past which the server stops "
        + "accepting and refuses new sessions with Goodbye 4008. 0: off.", defaultValue = "0.9", live = true)
    double shedHeapRatio,
    @Setting(description = "The retry_after_ms a Goodbye 4008 carries when the server is overloaded (a flapping or "
        + "banned client gets the time its ban has left).", defaultValue = "5s", live = true)
    Duration overloadRetryAfter,
    @Setting(description = "Requests per second one session may make (sustained); over it a request is answered "
        + "with status 8 (RESOURCE_EXHAUSTED) instead of running. 0: no limit.", defaultValue = "0", live = true)
    int sessionRequestRate,
    @Setting(description = "Requests one session may make at once above session-request-rate; not below it.",
        defaultValue = "0", live = true)
    int sessionRequestBurst,
    @Setting(description = "Requests over session-request-rate in a row after which the session is closed with "
        + "Goodbye 4008.", defaultValue = "1000", live = true)
    int sessionRequestOverrun,
    @Setting(description = "PEM certificate chain (leaf first) served on tls:// and wss:// listeners; reloaded when "
        + "the file changes.")
    String tlsCert,
    @Setting(description = "PEM private key of tls-cert: PKCS#8, PKCS#1, SEC1 EC, or encrypted PKCS#8.")
    String tlsKey,
    @Setting(description = "File holding the password of an encrypted tls-key.")
    String tlsKeyPasswordFile,
    @Setting(description = "PEM bundle of the CAs whose client certificates are accepted.")
    String tlsCa,
    @Setting(description = "Client certificates: none, optional or required (required when tls-ca is given, "
        + "else none).")
    String tlsClientAuth,
    @Setting(description = "TLS versions, comma-separated: TLSv1.3, or TLSv1.3,TLSv1.2 (AEAD suites only).",
        defaultValue = "TLSv1.3")
    String tlsProtocols,
    @Setting(description = "TLS implementation: jdk (SunJSSE) or bc (BouncyCastle JSSE).", defaultValue = "jdk")
    String tlsProvider,
    @Setting(description = "TLS 1.3 session resumption (session tickets): on, or off so that every TLS 1.3 connection "
        + "makes a full handshake and an idle TLS session takes about 0.5 KB less heap.", defaultValue = "off")
    boolean tlsResumption,
    @Setting(description = "Latency histograms (request handling, ping round trip, TLS handshake, loop lag): on, or "
        + "off to keep only the counters.", defaultValue = "on")
    boolean latencyHistograms,
    @Setting(description = "How often the TLS files are also checked by content (symlink swaps raise no file "
        + "events).", defaultValue = "10s")
    Duration tlsReloadInterval,
    @Setting(description = "Memory-mapped file of the counters that tether stat reads: auto (tether-PID.stat in "
        + "/dev/shm, or in the temp directory without it), a path, or off.", defaultValue = "auto")
    String statFile,
    @Setting(description = "Admin HTTP endpoint, http://HOST:PORT (http://127.0.0.1:PORT keeps it on loopback), "
        + "serving /metrics (Prometheus), /healthz, /readyz, /sessions and /dashboard; off unless set.")
    String adminListen,
    @Setting(description = "Bearer token the admin endpoint requires on everything but /healthz and /readyz.")
    String adminToken,
    @Setting(description = "OTLP endpoint metrics are exported to, e.g. http://127.0.0.1:4318 (http/protobuf adds "
        + "/v1/metrics) or http://127.0.0.1:4317 (grpc); off unless set.")
    String otlpEndpoint,
    @Setting(description = "OTLP protocol: http/protobuf or grpc.", defaultValue = "http/protobuf")
    String otlpProtocol,
    @Setting(description = "Time between two OTLP metric exports.", defaultValue = "60s")
    Duration otlpInterval,
    @Setting(description = "Share of requests without a traceparent header traced (a span each, exported to "
        + "otlp-endpoint), 0 to 1; a request with one is traced when it says sampled, whatever the ratio. 0 turns "
        + "tracing off.",
        defaultValue = "0")
    double traceSampleRatio,
    @Setting(description = "Config file: Java properties, one 'name = value' a line, each name a flag's without its "
        + "dashes (a repeatable setting on several lines); watched, so a change to a [live] setting applies at once. "
        + "Only as a flag.")
    String config,
    @Setting(description = "How often the config file is also checked by content (symlink swaps raise no file "
        + "events).", defaultValue = "10s")
    Duration configCheckInterval,
    @Setting(description = "etcd endpoints, http://HOST:PORT or https://HOST:PORT, comma-separated: the settings "
        + "under etcd-prefix apply live, one key per setting; off unless set.")
    String etcd,
    @Setting(description = "etcd key prefix of this group's settings (PREFIX/heartbeat-interval = 7s); each node "
        + "reports under PREFIX/status/NODE.", defaultValue = "/tether/default/")
    String etcdPrefix,
    @Setting(description = "This node's name, in its etcd status key; the host name unless set.")
    String nodeName,
    @Setting(description = "etcd user (with etcd-password-file).")
    String etcdUser,
    @Setting(description = "File holding the etcd user's password.")
    String etcdPasswordFile,
    @Setting(description = "PEM bundle of the CAs that sign the etcd servers' certificates (https:// endpoints).")
    String etcdCa,
    @Setting(description = "PEM client certificate for etcd (mutual TLS), with etcd-key.")
    String etcdCert,
    @Setting(description = "PEM private key (PKCS#8) of etcd-cert.")
    String etcdKey,
    @Setting(description = "File the last settings applied from etcd are kept in, to start from while etcd is "
        + "down: auto (last-good-NODE.properties in ~/.tether), a path, or off.", defaultValue = "auto")
    String etcdLastGood,
    @Setting(description = "Time without an etcd watch event or progress notification after which the whole "
        + "prefix is read again (a silently dead watch).", defaultValue = "30s")
    Duration etcdWatchdog,
    @Setting(description = "Time a read of the etcd prefix may take: at startup, before the server starts without "
        + "it (from the last good settings, if kept); later, before the read is retried as failed.",
        defaultValue = "5s")
    Duration etcdTimeout,
    @Setting(description = "Cluster this node joins (with etcd): nodes of one name share their sessions, push to "
        + "each other's, take them over on resume and drain into each other; off unless set.")
    String clusterName,
    @Setting(description = "Address other nodes reach this one on, for forwarded pushes and hand-overs: "
        + "tcp://HOST:PORT, or tls://HOST:PORT for mutual TLS with the tls-cert, tls-key and tls-ca of the node.",
        defaultValue = "tcp://127.0.0.1:7100")
    ListenAddress clusterListen,
    @Setting(description = "How other nodes reach cluster-listen, tcp://HOST:PORT or tls://HOST:PORT, when it is "
        + "not the address bound (behind NAT, or bound to 0.0.0.0); the address bound unless set.")
    String clusterAdvertise,
    @Setting(description = "URL clients are sent to when another node redirects them here (Goodbye 4009), e.g. "
        + "tcp://node1.example:7000; the first listen address as bound unless set.")
    String clientAdvertise,
    @Setting(description = "TTL of this node's cluster membership lease, renewed every third of it; a node that "
        + "cannot renew it for two thirds of it stops owning sessions, and one gone for a whole TTL leaves the "
        + "cluster.", defaultValue = "10s")
    Duration clusterLeaseTtl,
    @Setting(description = "Time a push, kick or hand-over sent to another node may take before it is answered as "
        + "failed.", defaultValue = "5s")
    Duration clusterLinkTimeout,
    @Setting(description = "Forwarded pushes waiting for a link to another node, per node; past it a push is "
        + "answered UNKNOWN (not delivered) at once.", defaultValue = "10000")
    int clusterLinkQueue,
    @Setting(description = "Time a draining node (SIGTERM, tether drain) waits for its clients to move to other "
        + "nodes before it shuts down.", defaultValue = "30s")
    Duration drainTimeout,
    @Setting(description = "Clients a draining node sends to other nodes per second (Goodbye 4009), so the others "
        + "take its sessions over at a pace they can serve; raised when needed to send them all within half of "
        + "drain-timeout. 0: all at once.", defaultValue = "1000")
    int drainRate,
    @Setting(description = "Log line format: json (one object per line: ts, level, event, fields), text, or auto "
        + "(text when tether serve runs on a terminal and logs to stderr, else json).", defaultValue = "auto",
        live = true)
    String logFormat,
    @Setting(description = "Log file, rolled by size (log-file-max-size, -count, -total) and guarded by free space "
        + "(log-disk-high-water, -low-water); stderr unless set.")
    String logFile,
    @Setting(description = "Log level, then overrides by event or logger prefix: info,session.=debug,"
        + "io.tether.engine.reactor=warn (trace, debug, info, warn, error, off).", defaultValue = "info",
        live = true)
    String logLevel,
    @Setting(description = "Records of one DEBUG or INFO event that pass each second before sampling starts.",
        defaultValue = "100", live = true)
    int logSampleFirst,
    @Setting(description = "Past log-sample-first in a second, one record in this many passes (1 keeps all).",
        defaultValue = "100", live = true)
    int logSampleThereafter,
    @Setting(description = "log-sample-first for WARN and ERROR events.", defaultValue = "100", live = true)
    int logErrorSampleFirst,
    @Setting(description = "log-sample-thereafter for WARN and ERROR events.", defaultValue = "100", live = true)
    int logErrorSampleThereafter,
    @Setting(description = "Sample nothing, but say in each log.suppressed record what sampling would have dropped.",
        defaultValue = "false", live = true)
    boolean logSampleDryRun,
    @Setting(description = "Log records queued for the writer thread; past it records are dropped and counted.",
        defaultValue = "16384")
    int logQueue,
    @Setting(description = "Size at which the log file is rolled to FILE.N.", defaultValue = "64MiB")
    long logFileMaxSize,
    @Setting(description = "Rolled log files kept (oldest deleted first).", defaultValue = "8")
    int logFileMaxCount,
    @Setting(description = "Bytes of the log file and its rolled files kept (oldest rolled deleted first).",
        defaultValue = "512MiB")
    long logFileMaxTotal,
    @Setting(description = "Free space of the log directory below which DEBUG and INFO records are dropped.",
        defaultValue = "256MiB")
    long logDiskHighWater,
    @Setting(description = "Free space of the log directory below which log file writes stop (said once on "
        + "stderr) until space comes back.", defaultValue = "64MiB")
    long logDiskLowWater,
    @Setting(description = "Log records queued for OTLP export (with otlp-endpoint); past it they are dropped and "
        + "counted.", defaultValue = "2048")
    int logOtlpQueue) {

    public TetherConfig {
        listen = List.copyOf(listen);
        admissionExempt = List.copyOf(admissionExempt);
        bannedAddresses = List.copyOf(bannedAddresses);
        bannedClients = List.copyOf(bannedClients);
    }

    /** Event loops to run: {@link #ioThreads()}, or one per available core when that is 0. */
    public int effectiveIoThreads() {
        return ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors();
    }

    /** Everything wrong with this config, each naming the setting; empty when it is valid. */
    public List<String> problems() {
        final List<String> problems = new ArrayList<>();
        if (listen.isEmpty()) {
            problems.add("listen: at least one address is needed");
        }
        if (ioThreads < 0 || ioThreads > 256) {
            problems.add("io-threads: must be 0 (one per core) to 256, got " + ioThreads);
        }
        if (maxFrameSize < 64 || maxFrameSize > (64 << 20)) {
            problems.add("max-frame-size: must be 64 B to 64 MiB, got " + maxFrameSize);
        }
        positive(problems, "handshake-timeout", handshakeTimeout);
        positive(problems, "heartbeat-interval", heartbeatInterval);
        positive(problems, "slow-consumer-timeout", slowConsumerTimeout);
        if (heartbeatMisses < 1 || heartbeatMisses > 100) {
            problems.add("heartbeat-misses: must be 1 to 100, got " + heartbeatMisses);
        }
        if (writeLowWatermark < 0 || writeHighWatermark <= 0) {
            problems.add("write-high-watermark and write-low-watermark must be positive");
        } else if (writeLowWatermark > writeHighWatermark) {
            problems.add("write-low-watermark (" + writeLowWatermark + ") must not exceed write-high-watermark ("
                + writeHighWatermark + ")");
        }
        if (maxSessionInflight < 1) {
            problems.add("max-session-inflight: must be at least 1, got " + maxSessionInflight);
        }
        positive(problems, "resume-window", resumeWindow);
        if (sessionOutboxBytes < 1024 || sessionOutboxBytes > (256 << 20)) {
            problems.add("session-outbox-bytes: must be 1 KiB to 256 MiB, got " + sessionOutboxBytes);
        }
        if (sessionCacheBytes < 0) {
            problems.add("session-cache-bytes: must not be negative, got " + sessionCacheBytes);
        }
        if (sessionResponseWindow < 1 || sessionResponseWindow > 65_536) {
            problems.add("session-response-window: must be 1 to 65536, got " + sessionResponseWindow);
        }
        if (statsInterval.isNegative()) {
            problems.add("stats-interval: must not be negative");
        }
        if (shutdownGrace.isNegative()) {
            problems.add("shutdown-grace: must not be negative");
        }
        positive(problems, "tls-reload-interval", tlsReloadInterval);
        if (statFile.isBlank()) {
            problems.add("stat-file: must be auto, off or a path");
        }
        if (!adminListen.isEmpty()) {
            try {
                adminAddress();
            } catch (IllegalArgumentException e) {
                problems.add("admin-listen: " + e.getMessage());
            }
        }
        if (!io.tether.telemetry.OtelExport.PROTOCOLS.contains(otlpProtocol)) {
            problems.add("otlp-protocol: must be one of " + io.tether.telemetry.OtelExport.PROTOCOLS + ", got '"
                + otlpProtocol + "'");
        }
        if (!otlpEndpoint.isEmpty() && !otlpEndpoint.matches("https?://[^/\\s]+(/\\S*)?")) {
            problems.add("otlp-endpoint: '" + otlpEndpoint + "' is not an http:// or https:// URL");
        }
        positive(problems, "otlp-interval", otlpInterval);
        if (!(traceSampleRatio >= 0 && traceSampleRatio <= 1)) {
            problems.add("trace-sample-ratio: must be 0 to 1, got " + traceSampleRatio);
        } else if (traceSampleRatio > 0 && otlpEndpoint.isEmpty()) {
            problems.add("trace-sample-ratio is above 0 but no otlp-endpoint is set to send the spans to");
        }
        problems.addAll(logSettings().problems());
        problems.addAll(admission().problems());
        if (!adminToken.isEmpty() && adminListen.isEmpty()) {
            problems.add("admin-token is given but admin-listen is not");
        }
        positive(problems, "config-check-interval", configCheckInterval);
        etcdProblems(problems);
        clusterProblems(problems);
        final boolean tlsListener = listen.stream().anyMatch(ListenAddress::isTls);
        if (tlsListener && (tlsCert.isEmpty() || tlsKey.isEmpty())) {
            problems.add("tls-cert and tls-key are needed for tls:// and wss:// listeners");
        }
        final boolean tlsLinks = !clusterName.isEmpty() && clusterListen.isTls();
        if (!tlsCert.isEmpty() && !tlsListener && !tlsLinks) {
            problems.add("tls-cert is given but no tls:// or wss:// listener (nor a tls:// cluster-listen) would use it");
        }
        if (tlsListener) {
            try {
                tlsSettings();
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        return problems;
    }

    private void clusterProblems(List<String> problems) {
        if (clusterName.isEmpty()) {
            return;
        }
        if (!clusterName.matches("[A-Za-z0-9._-]{1,64}")) {
            problems.add("cluster-name: letters, digits, '.', '_' and '-' only (at most 64), got '" + clusterName + "'");
        }
        if (etcd.isEmpty()) {
            problems.add("cluster-name is given but etcd is not: a cluster keeps its members in etcd");
        }
        if (clusterLeaseTtl.compareTo(Duration.ofSeconds(2)) < 0 || clusterLeaseTtl.toMillis() % 1000 != 0) {
            problems.add("cluster-lease-ttl: whole seconds, at least 2s (etcd's shortest lease), got "
                + clusterLeaseTtl.toMillis() + " ms");
        }
        positive(problems, "cluster-link-timeout", clusterLinkTimeout);
        positive(problems, "drain-timeout", drainTimeout);
        if (drainRate < 0) {
            problems.add("drain-rate: must be 0 (all at once) or more, got " + drainRate);
        }
        if (clusterLinkQueue < 1) {
            problems.add("cluster-link-queue: must be at least 1, got " + clusterLinkQueue);
        }
        if (clusterListen.isWebSocket()) {
            problems.add("cluster-listen: tcp:// or tls://, got " + clusterListen);
        }
        if (clusterListen.isTls() && (tlsCert.isEmpty() || tlsKey.isEmpty() || tlsCa.isEmpty())) {
            problems.add("cluster-listen: tls:// needs tls-cert, tls-key and tls-ca (nodes verify each other)");
        }
        for (String[] url : new String[][] {{"cluster-advertise", clusterAdvertise}, {"client-advertise", clientAdvertise}}) {
            if (!url[1].isEmpty()) {
                try {
                    ListenAddress.parse(url[1]);
                } catch (IllegalArgumentException e) {
                    problems.add(url[0] + ": " + e.getMessage());
                }
            }
        }
    }

    private void etcdProblems(List<String> problems) {
        positive(problems, "etcd-watchdog", etcdWatchdog);
        positive(problems, "etcd-timeout", etcdTimeout);
        if (!etcdPrefix.startsWith("/") || !etcdPrefix.endsWith("/")) {
            problems.add("etcd-prefix: must start and end with '/', got '" + etcdPrefix + "'");
        }
        if (etcdLastGood.isBlank()) {
            problems.add("etcd-last-good: must be auto, off or a path");
        }
        if (etcd.isEmpty()) {
            for (String[] s : new String[][] {{"etcd-user", etcdUser}, {"etcd-password-file", etcdPasswordFile},
                {"etcd-ca", etcdCa}, {"etcd-cert", etcdCert}, {"etcd-key", etcdKey}}) {
                if (!s[1].isEmpty()) {
                    problems.add(s[0] + " is given but etcd is not");
                }
            }
            return;
        }
        boolean https = false;
        for (String endpoint : etcdEndpoints()) {
            if (!endpoint.matches("https?://[^/\\s]+:\\d+/?")) {
                problems.add("etcd: '" + endpoint + "' is not http://HOST:PORT or https://HOST:PORT");
            }
            https |= endpoint.startsWith("https:");
        }
        if (etcdUser.isEmpty() != etcdPasswordFile.isEmpty()) {
            problems.add("etcd-user and etcd-password-file go together");
        }
        if (etcdCert.isEmpty() != etcdKey.isEmpty()) {
            problems.add("etcd-cert and etcd-key go together");
        }
        if (!https && !(etcdCa.isEmpty() && etcdCert.isEmpty())) {
            problems.add("etcd-ca and etcd-cert need https:// etcd endpoints");
        }
    }

    /** The etcd endpoints of {@link #etcd()}, empty when etcd is off. */
    public List<String> etcdEndpoints() {
        return etcd.isBlank() ? List.of() : List.of(etcd.trim().split("\\s*,\\s*"));
    }

    /** The admin endpoint's address from {@link #adminListen()}, or null when it is off. */
    public java.net.InetSocketAddress adminAddress() {
        if (adminListen.isEmpty()) {
            return null;
        }
        final java.net.URI uri;
        try {
            uri = new java.net.URI(adminListen);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("'" + adminListen + "' is not a URL: " + e.getReason());
        }
        if (!"http".equals(uri.getScheme()) || uri.getPort() < 0 || uri.getPort() > 65535
            || (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/"))) {
            throw new IllegalArgumentException("'" + adminListen + "' is not http://HOST:PORT");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("'" + adminListen + "' names no host (http://127.0.0.1:PORT for "
                + "loopback)");
        }
        return new java.net.InetSocketAddress(uri.getHost(), uri.getPort());
    }

    /** The log settings, as the logging machinery takes them. */
    public io.tether.telemetry.log.LogSettings logSettings() {
        return new io.tether.telemetry.log.LogSettings(logFormat, logFile, logLevel, logSampleFirst,
            logSampleThereafter, logErrorSampleFirst, logErrorSampleThereafter, logSampleDryRun, logQueue,
            logFileMaxSize, logFileMaxCount, logFileMaxTotal, logDiskHighWater, logDiskLowWater, logOtlpQueue);
    }

    /** The admission settings, as the admission layer takes them. */
    public io.tether.engine.admission.AdmissionSettings admission() {
        return new io.tether.engine.admission.AdmissionSettings(admissionDryRun, admissionExempt, bannedAddresses,
            bannedClients, maxConnections, maxListenerConnections, acceptRate, acceptBurst, acceptOverflow, acceptQueue,
            acceptQueueWait, maxIpConnections, maxPrefixConnections, ipv4Prefix, ipv6Prefix, ipConnectRate,
            ipConnectBurst, ipFlapThreshold, clientFlapThreshold, flapWindow, flapBan, admissionTableSize,
            breakerFailureRatio, breakerWindow, breakerMinHandshakes, breakerOpenTime, breakerProbes,
            breakerProbeTimeout, shedLoopLag, shedHeapRatio, overloadRetryAfter, sessionRequestRate,
            sessionRequestBurst, sessionRequestOverrun);
    }

    /** The TLS settings of the tls:// and wss:// listeners, or TLS off. */
    public TlsSettings tlsSettings() {
        if (tlsCert.isEmpty()) {
            return TlsSettings.disabled();
        }
        return new TlsSettings(Path.of(tlsCert), tlsKey.isEmpty() ? null : Path.of(tlsKey),
            tlsKeyPasswordFile.isEmpty() ? null : Path.of(tlsKeyPasswordFile), tlsCa.isEmpty() ? null : Path.of(tlsCa),
            TlsProvider.fromFlag(tlsProvider), tlsClientAuth.isEmpty() ? null : ClientAuth.fromFlag(tlsClientAuth),
            List.of(tlsProtocols.split("\\s*,\\s*")), tlsResumption);
    }

    private static void positive(List<String> problems, String name, Duration value) {
        if (value.isNegative() || value.isZero()) {
            problems.add(name + ": must be positive, got " + Values.formatDuration(value));
        }
    }

    /** The defaults: what {@code tether serve} runs with no flags. */
    public static TetherConfig defaults() {
        return ConfigBinder.bind(java.util.Map.of());
    }
}
