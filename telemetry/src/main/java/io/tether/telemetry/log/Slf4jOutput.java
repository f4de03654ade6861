package io.tether.telemetry.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The default output: every record goes to slf4j under its logger's name, with the event name as the message and
 * the fields as slf4j key-value pairs, so an embedder's own binding (slf4j-simple, Logback, ...) decides where it
 * goes. It writes on the caller's thread, as that binding does; {@code tether serve} replaces it with a
 * {@link LogPipeline}.
 */
public final class Slf4jOutput implements LogOutput {
    @Override
    public boolean offer(LogRecord r) {
        final Logger logger = LoggerFactory.getLogger(r.logger());
        LoggingEventBuilder b = logger.atLevel(r.level()).setMessage(r.event());
        final Object[] f = r.fields();
        for (int i = 0; i + 1 < f.length; i += 2) {
            b = b.addKeyValue(String.valueOf(f[i]), f[i + 1]);
        }
        if (r.traceId() != null) {
            b = b.addKeyValue("trace_id", r.traceId()).addKeyValue("span_id", r.spanId());
        }
        if (r.error() != null) {
            b = b.setCause(r.error());
        }
        b.log();
        return true;
    }

    @Override
    public boolean accepts(String logger, org.slf4j.event.Level level) {
        return LoggerFactory.getLogger(logger).isEnabledForLevel(level);
    }
}
