package io.tether.telemetry.log;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.LogRecordBuilder;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.logs.OtlpGrpcLogRecordExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.resources.Resource;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Log records out over OTLP through the OpenTelemetry Logs SDK: an {@link SdkLoggerProvider} with a
 * {@link BatchLogRecordProcessor} whose queue holds {@code capacity} records, exported from the SDK's own thread.
 * Records are handed to it by the {@link LogPipeline}'s writer only, never by the thread that logged them. Each
 * carries the trace context it was logged in, the event name, its level as severity and its fields as attributes.
 *
 * <p>Bounded and counted: records handed over and not yet through an export are counted; at {@code capacity} a
 * record is dropped and counted here ({@code otlp_queue_full}) before the SDK's queue could drop it uncounted, and
 * records of a failed export are counted as {@code otlp_export_failed}.
 */
public final class OtelLogExport implements AutoCloseable {
    private static final AttributeKey<String> LOGGER = AttributeKey.stringKey("code.namespace");

    private final SdkLoggerProvider provider;
    private final LogDrops drops;
    private final int capacity;
    private final AtomicLong inFlight = new AtomicLong();
    private final Map<String, Logger> loggers = new HashMap<>();

    OtelLogExport(LogRecordExporter exporter, LogDrops drops, int capacity, Duration delay, String serviceName) {
        this.drops = drops;
        this.capacity = capacity;
        this.provider = SdkLoggerProvider.builder()
            .setResource(Resource.getDefault().merge(Resource.create(
                Attributes.of(AttributeKey.stringKey("service.name"), serviceName))))
            .addLogRecordProcessor(BatchLogRecordProcessor.builder(new Counting(exporter))
                .setMaxQueueSize(capacity).setScheduleDelay(delay).build())
            .build();
    }

    /** Exports to {@code endpoint} as the metrics export does ({@code /v1/logs} added for http/protobuf). */
    public static OtelLogExport start(String endpoint, String protocol, LogDrops drops, int capacity,
                                      String serviceName) {
        final LogRecordExporter exporter = switch (protocol) {
            case "http/protobuf" -> OtlpHttpLogRecordExporter.builder()
                .setEndpoint(endpoint.replaceAll("/+$", "") + "/v1/logs").build();
            case "grpc" -> OtlpGrpcLogRecordExporter.builder().setEndpoint(endpoint).build();
            default -> throw new IllegalArgumentException("otlp-protocol must be http/protobuf or grpc");
        };
        return new OtelLogExport(exporter, drops, capacity, Duration.ofSeconds(1), serviceName);
    }

    /** Hands one record to the SDK (the pipeline's writer thread). */
    void emit(LogRecord r) {
        if (inFlight.get() >= capacity) {
            drops.add(DropReason.OTLP_QUEUE_FULL, 1);
            return;
        }
        inFlight.incrementAndGet();
        final Logger logger = loggers.computeIfAbsent(r.logger(), provider::get);
        final LogRecordBuilder b = logger.logRecordBuilder()
            .setTimestamp(r.epochMillis(), TimeUnit.MILLISECONDS)
            .setSeverity(severity(r.level()))
            .setSeverityText(r.level().name())
            .setEventName(r.event())
            .setBody(r.event())
            .setAttribute(LOGGER, r.logger());
        final Object[] f = r.fields();
        for (int i = 0; i + 1 < f.length; i += 2) {
            final String key = String.valueOf(f[i]);
            final Object v = f[i + 1];
            if (v instanceof Long || v instanceof Integer) {
                b.setAttribute(key, ((Number) v).longValue());
            } else if (v instanceof Boolean bool) {
                b.setAttribute(key, bool);
            } else if (v != null) {
                b.setAttribute(key, v.toString());
            }
        }
        if (r.error() != null) {
            b.setAttribute("exception.type", r.error().getClass().getName());
            if (r.error().getMessage() != null) {
                b.setAttribute("exception.message", r.error().getMessage());
            }
        }
        if (r.traceId() != null) {
            b.setContext(Context.root().with(Span.wrap(SpanContext.createFromRemoteParent(r.traceId(), r.spanId(),
                TraceFlags.getSampled(), TraceState.getDefault()))));
        }
        b.emit();
    }

    private static Severity severity(org.slf4j.event.Level level) {
        return switch (level) {
            case TRACE -> Severity.TRACE;
            case DEBUG -> Severity.DEBUG;
            case INFO -> Severity.INFO;
            case WARN -> Severity.WARN;
            case ERROR -> Severity.ERROR;
        };
    }

    /** Exports what was handed over and waits (at most 10 s). */
    public void flush() {
        provider.forceFlush().join(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        provider.shutdown().join(10, TimeUnit.SECONDS);
    }

    /** Counts what leaves through the exporter, so {@link #inFlight} bounds the SDK's queue. */
    private final class Counting implements LogRecordExporter {
        private final LogRecordExporter delegate;

        Counting(LogRecordExporter delegate) {
            this.delegate = delegate;
        }

        @Override
        public CompletableResultCode export(Collection<LogRecordData> logs) {
            final int n = logs.size();
            CompletableResultCode result;
            try {
                result = delegate.export(logs);
            } catch (RuntimeException e) {
                result = CompletableResultCode.ofFailure();
            }
            final CompletableResultCode r = result;
            r.whenComplete(() -> {
                inFlight.addAndGet(-n);
                if (!r.isSuccess()) {
                    drops.add(DropReason.OTLP_EXPORT_FAILED, n);
                }
            });
            return r;
        }

        @Override
        public CompletableResultCode flush() {
            return delegate.flush();
        }

        @Override
        public CompletableResultCode shutdown() {
            return delegate.shutdown();
        }
    }
}
