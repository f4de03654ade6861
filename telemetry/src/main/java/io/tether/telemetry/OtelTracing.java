package io.tether.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.concurrent.TimeUnit;

/**
 * Traces over OTLP: a tracer whose spans are sampled parent-based (a sampled parent's child is sampled, an
 * unsampled parent's is not) and whose roots are all sampled: the caller decides which roots to start, so a root
 * it does not trace costs no span at all. Spans are exported in batches from the SDK's own thread; ending a span
 * only queues it.
 */
public final class OtelTracing implements AutoCloseable {
    private final SdkTracerProvider provider;
    private final Tracer tracer;

    private OtelTracing(SdkTracerProvider provider) {
        this.provider = provider;
        this.tracer = provider.get("io.tether");
    }

    /** Exports to {@code endpoint} as {@link OtelExport#start} does ({@code /v1/traces} for http/protobuf). */
    public static OtelTracing start(String endpoint, String protocol, String serviceName) {
        final SpanExporter exporter = switch (protocol) {
            case "http/protobuf" -> OtlpHttpSpanExporter.builder()
                .setEndpoint(endpoint.replaceAll("/+$", "") + "/v1/traces").build();
            case "grpc" -> OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).build();
            default -> throw new IllegalArgumentException("otlp-protocol must be one of " + OtelExport.PROTOCOLS);
        };
        return new OtelTracing(SdkTracerProvider.builder()
            .setResource(Resource.getDefault().merge(Resource.create(
                Attributes.of(AttributeKey.stringKey("service.name"), serviceName))))
            .setSampler(Sampler.parentBased(Sampler.alwaysOn()))
            .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
            .build());
    }

    public Tracer tracer() {
        return tracer;
    }

    /** Exports the spans ended so far and waits (at most 10 s). */
    public void flush() {
        provider.forceFlush().join(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        provider.shutdown().join(10, TimeUnit.SECONDS);
    }
}
