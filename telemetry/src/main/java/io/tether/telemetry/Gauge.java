package io.tether.telemetry;

import java.util.function.LongSupplier;

/**
 * A value read when it is exported (sessions alive, connections open), registered with {@link Counters#gauge}.
 * The supplier runs on a reader's thread (the stat heartbeat, a scrape, the OpenTelemetry reader), never on a loop,
 * so it must be safe to call from any thread.
 */
public record Gauge(String label, String exportName, String unit, String description, LongSupplier value) {
}
