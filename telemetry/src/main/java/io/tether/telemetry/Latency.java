package io.tether.telemetry;

import java.util.List;
import java.util.Locale;

/**
 * What tether times. Each writer (an event loop) records into its own HdrHistogram recorder per latency, in
 * nanoseconds, without locks or allocation; readers swap out the interval histograms off the loop and add them up.
 * The export names follow OpenTelemetry's semantic conventions where one exists.
 */
public enum Latency {
    /** A request, from its handler's start to its response handed to the connection; queueing is not included. */
    REQUEST("rpc.server.call.duration", "Duration of requests, from their handler's start to their response",
        Buckets.ADVISED, true, "rpc.system", "tether"),
    /** A heartbeat ping, from its write to its Pong (TCP) or pong control frame (WebSocket). */
    PING_ROUND_TRIP("tether.server.ping.duration", "Round trip of the server's heartbeat pings", Buckets.FINE, false,
        null, null),
    /** A server TLS handshake, from the connection's accept to the handshake's end (modelled on Kestrel's). */
    TLS_HANDSHAKE("tether.server.tls_handshake.duration", "Duration of TLS handshakes", Buckets.ADVISED, false,
        null, null),
    /** How late an event loop ran work that was due: its lag probe's delay (as Node's monitorEventLoopDelay). */
    LOOP_LAG("tether.event_loop.delay", "How late event loops ran work that was due", Buckets.FINE, false,
        null, null);

    /** Largest value recorded; longer ones are recorded as this. */
    public static final long HIGHEST_NANOS = 3_600_000_000_000L;

    private final String exportName;
    private final String description;
    private final List<Double> buckets;
    private final boolean sharedWriters;
    private final String attributeKey;
    private final String attributeValue;

    Latency(String exportName, String description, List<Double> buckets, boolean sharedWriters, String attributeKey,
            String attributeValue) {
        this.exportName = exportName;
        this.description = description;
        this.buckets = buckets;
        this.sharedWriters = sharedWriters;
        this.attributeKey = attributeKey;
        this.attributeValue = attributeValue;
    }

    /** The one attribute every point of this histogram carries ({@code rpc.system=tether}), or null. */
    public String attributeKey() {
        return attributeKey;
    }

    public String attributeValue() {
        return attributeValue;
    }

    /** The OpenTelemetry name (unit: seconds). */
    public String exportName() {
        return exportName;
    }

    public String description() {
        return description;
    }

    /** Explicit bucket boundaries in seconds. */
    public List<Double> buckets() {
        return buckets;
    }

    /**
     * Whether threads other than the set's owner record it (requests answered on virtual threads): then the
     * recorder is HdrHistogram's multi-writer {@code Recorder} (wait-free atomic adds), else a
     * {@code SingleWriterRecorder}.
     */
    public boolean sharedWriters() {
        return sharedWriters;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static final class Buckets {
        /** The boundaries OpenTelemetry advises for rpc.server.call.duration (and Kestrel's handshake duration). */
        static final List<Double> ADVISED =
            List.of(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0);
        /** Finer at the low end, for what is normally well under a millisecond. */
        static final List<Double> FINE = List.of(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
            0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0);
    }
}
