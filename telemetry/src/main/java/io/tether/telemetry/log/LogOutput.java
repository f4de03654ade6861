package io.tether.telemetry.log;

/** Where admitted records go. {@link #offer} is called on the logging thread and must never block. */
public interface LogOutput {
    /** Hands a record over; false when it was dropped (and counted) instead. */
    boolean offer(LogRecord record);

    /** Whether the output would keep a record of this level at all (checked when levels are refreshed). */
    default boolean accepts(String logger, org.slf4j.event.Level level) {
        return true;
    }
}
