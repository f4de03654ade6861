package io.tether.telemetry.log;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.slf4j.event.Level;

/**
 * One kind of log record: a stable event name ({@code session.resumed}), its level and the logger (class) that
 * logs it, declared once as a constant and logged with key-value fields:
 *
 * <pre>{@code
 * private static final LogEvent RESUMED = LogEvent.info(ServerProtocol.class, "session.resumed");
 * RESUMED.log("session", session.id(), "client", session.clientId());
 * }</pre>
 *
 * <p>Each event is its own sampling bucket. A call that its level or the sampler turns away costs a volatile
 * read, an atomic increment and a compare, and allocates nothing (measured in PERFORMANCE.md); only an admitted
 * record renders its values (on the caller's thread) and goes to the {@link LogControl}'s output, which never
 * blocks. Pass values that are already objects: an {@code int} argument is boxed before the call can decline it.
 */
public final class LogEvent {
    private static final VarHandle SEEN;

    static {
        try {
            SEEN = MethodHandles.lookup().findVarHandle(LogEvent.class, "seen", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final LogControl control;
    private final String logger;
    private final String name;
    private final Level level;
    private final boolean sampled;
    // Refreshed from the control when its generation moves; plain fields, a stale read lasts one call.
    private int generation = -1;
    private boolean enabled;
    private int first;
    private int thereafter;
    private boolean dryRun;
    @SuppressWarnings("unused") // through SEEN
    private volatile long seen;

    LogEvent(LogControl control, String logger, Level level, String name, boolean sampled) {
        this.control = control;
        this.logger = logger;
        this.level = level;
        this.name = name;
        this.sampled = sampled;
    }

    public static LogEvent trace(Class<?> owner, String name) {
        return LogControl.global().event(owner.getName(), Level.TRACE, name);
    }

    public static LogEvent debug(Class<?> owner, String name) {
        return LogControl.global().event(owner.getName(), Level.DEBUG, name);
    }

    public static LogEvent info(Class<?> owner, String name) {
        return LogControl.global().event(owner.getName(), Level.INFO, name);
    }

    public static LogEvent warn(Class<?> owner, String name) {
        return LogControl.global().event(owner.getName(), Level.WARN, name);
    }

    public static LogEvent error(Class<?> owner, String name) {
        return LogControl.global().event(owner.getName(), Level.ERROR, name);
    }

    public String name() {
        return name;
    }

    public Level level() {
        return level;
    }

    public String logger() {
        return logger;
    }

    /**
     * Whether a record logged now would be kept: its level is on and the sampler lets it through. Counts toward
     * the sampling window, so call it once per record (the {@code log} methods call it themselves).
     */
    public boolean admit() {
        final int g = control.generation();
        if (g != generation) {
            refresh(g);
        }
        if (!enabled) {
            return false;
        }
        if (!sampled) {
            return true;
        }
        final long n = (long) SEEN.getAndAdd(this, 1L) + 1;
        return n <= first || (n - first) % thereafter == 0 || dryRun;
    }

    private void refresh(int g) {
        final Sampling s = control.sampling();
        final boolean error = level.toInt() >= Level.WARN.toInt();
        first = error ? s.errorFirst() : s.first();
        thereafter = error ? s.errorThereafter() : s.thereafter();
        dryRun = s.dryRun();
        enabled = control.levels().enabled(logger, name, level) && control.output().accepts(logger, level);
        generation = g;
    }

    /** Ends this event's sampling window: how many it turned away in it (or would have, in a dry run). */
    long closeWindow() {
        final long n = (long) SEEN.getAndSet(this, 0L);
        return n - Sampling.passed(n, first, thereafter);
    }

    boolean dryRun() {
        return dryRun;
    }

    public void log() {
        if (admit()) {
            emit(null, new Object[0]);
        }
    }

    public void log(String k1, Object v1) {
        if (admit()) {
            emit(null, new Object[] {k1, v1});
        }
    }

    public void log(String k1, Object v1, String k2, Object v2) {
        if (admit()) {
            emit(null, new Object[] {k1, v1, k2, v2});
        }
    }

    public void log(String k1, Object v1, String k2, Object v2, String k3, Object v3) {
        if (admit()) {
            emit(null, new Object[] {k1, v1, k2, v2, k3, v3});
        }
    }

    public void log(String k1, Object v1, String k2, Object v2, String k3, Object v3, String k4, Object v4) {
        if (admit()) {
            emit(null, new Object[] {k1, v1, k2, v2, k3, v3, k4, v4});
        }
    }

    /** Logs with the failure that caused the event (its class, message and stack trace go with the record). */
    public void fail(Throwable error) {
        if (admit()) {
            emit(error, new Object[0]);
        }
    }

    public void fail(Throwable error, String k1, Object v1) {
        if (admit()) {
            emit(error, new Object[] {k1, v1});
        }
    }

    public void fail(Throwable error, String k1, Object v1, String k2, Object v2) {
        if (admit()) {
            emit(error, new Object[] {k1, v1, k2, v2});
        }
    }

    public void fail(Throwable error, String k1, Object v1, String k2, Object v2, String k3, Object v3) {
        if (admit()) {
            emit(error, new Object[] {k1, v1, k2, v2, k3, v3});
        }
    }

    /**
     * Writes a record {@link #admit()} has just let through, with any fields: for values that would be boxed
     * ({@code if (E.admit()) E.write("code", code)}), so a record turned away costs no allocation.
     */
    public void write(Object... keyValues) {
        emit(null, keyValues.clone());
    }

    /** {@link #write} with the failure that caused the event. */
    public void writeFailure(Throwable error, Object... keyValues) {
        emit(error, keyValues.clone());
    }

    /** Renders the values here, on the caller's thread, with the current span's ids, and hands the record on. */
    void emit(Throwable error, Object[] fields) {
        for (int i = 1; i < fields.length; i += 2) {
            final Object v = fields[i];
            if (v != null && !(v instanceof Number) && !(v instanceof Boolean) && !(v instanceof String)) {
                fields[i] = String.valueOf(v);
            }
        }
        String traceId = null;
        String spanId = null;
        final SpanContext span = Span.current().getSpanContext();
        if (span.isValid()) {
            traceId = span.getTraceId();
            spanId = span.getSpanId();
        }
        control.output().offer(new LogRecord(control.nowMillis(), level, name, logger, fields, error, traceId,
            spanId));
    }
}
