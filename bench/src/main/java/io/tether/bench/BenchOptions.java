package io.tether.bench;

import io.tether.engine.config.ListenAddress;
import io.tether.tls.TlsClientSettings;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/**
 * What {@code tether bench} runs: {@code sessions} connections to {@code target}, each with up to
 * {@code pipeline} requests in flight. With {@code rate} > 0 the load is open-loop: requests are sent at their
 * intended times whatever the server does, and latency is timed from the intended time (no coordinated omission).
 * {@code tls} (null without) gives the client certificate and trusted CAs for tls:// and wss:// targets.
 * With {@code reconnect} every session closes as soon as its Welcome arrives and connects again: the run counts
 * whole handshakes (TCP, TLS when the target has it, Hello/Welcome) per second, timed from connect to Welcome.
 * Those TLS handshakes are full ones: each connection's TLS session is forgotten when it closes, so the next one
 * cannot resume it (a SunJSSE client would otherwise resume with the server's TLS 1.3 session ticket), unless
 * {@code tlsResume} lets it.
 * With {@code pipeline} 0 and no rate the sessions only connect, say Hello and stay idle (for footprint runs).
 */
public record BenchOptions(ListenAddress target, int sessions, int pipeline, int payloadBytes, Duration duration,
                           Duration warmup, long rate, List<InetAddress> sourceAddresses, String method,
                           int ioThreads, TlsClientSettings tls,
                           boolean reconnect, boolean tlsResume) {
    public BenchOptions {
        sourceAddresses = List.copyOf(sourceAddresses);
        if (sessions < 1) {
            throw new IllegalArgumentException("--sessions must be at least 1");
        }
        if (pipeline < 0) {
            throw new IllegalArgumentException("--pipeline must be 0 (idle sessions) or more");
        }
        if (payloadBytes < 8) {
            throw new IllegalArgumentException("--payload must be at least 8 bytes (the request id is embedded)");
        }
        if (rate < 0) {
            throw new IllegalArgumentException("--rate must not be negative");
        }
        if (rate > 0 && reconnect) {
            throw new IllegalArgumentException("--rate (open loop) and --reconnect (handshakes) cannot be combined");
        }
    }

    /** Without TLS session resumption (it only matters with {@code reconnect}). */
    public BenchOptions(ListenAddress target, int sessions, int pipeline, int payloadBytes, Duration duration,
                        Duration warmup, long rate, List<InetAddress> sourceAddresses, String method,
                        int ioThreads, TlsClientSettings tls, boolean reconnect) {
        this(target, sessions, pipeline, payloadBytes, duration, warmup, rate, sourceAddresses, method, ioThreads, tls,
            reconnect, false);
    }

    /** Sessions that only connect and stay idle. */
    public boolean idle() {
        return pipeline == 0 && rate == 0;
    }
}
