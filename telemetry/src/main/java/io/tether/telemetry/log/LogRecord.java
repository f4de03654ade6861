package io.tether.telemetry.log;

import org.slf4j.event.Level;

/**
 * One log event as it leaves the thread that logged it: everything is already a string (values are rendered on
 * the caller's thread, so the writer never touches live objects), the trace and span ids are those of the span
 * current when it was logged (null when none was).
 *
 * @param fields key, value, key, value ...; a value is a String, a Number, a Boolean or null
 */
public record LogRecord(long epochMillis, Level level, String event, String logger, Object[] fields,
                        Throwable error, String traceId, String spanId) {
    private static final Object[] NONE = new Object[0];

    /** A record the logging machinery itself writes (summaries, disk notices), not sampled. */
    static LogRecord internal(long epochMillis, Level level, String event, Object... fields) {
        return new LogRecord(epochMillis, level, event, "io.tether.log", fields == null ? NONE : fields, null, null,
            null);
    }

    /** The value of {@code key}, or null (tests, the text format). */
    public Object field(String key) {
        for (int i = 0; i + 1 < fields.length; i += 2) {
            if (fields[i].equals(key)) {
                return fields[i + 1];
            }
        }
        return null;
    }
}
