package io.tether.engine.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.tether.codec.proto.Request;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The root decision made before a span is built: roots traced at the ratio (not the ratio squared, the tracer's
 * sampler samples every root it is given), a traceparent's sampled flag followed whatever the ratio.
 */
class RequestSpansTest {
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT = "00f067aa0ba902b7";

    private final List<SpanData> ended = new CopyOnWriteArrayList<>();
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
        .setSampler(Sampler.parentBased(Sampler.alwaysOn()))
        .addSpanProcessor(SimpleSpanProcessor.create(new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                ended.addAll(spans);
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        }))
        .build();

    @AfterEach
    void close() {
        provider.close();
    }

    private int traced(double ratio, Request request, int times) {
        final RequestSpans spans = new RequestSpans(provider.get("test"), ratio);
        int started = 0;
        for (int i = 0; i < times; i++) {
            final Span span = spans.start(request);
            if (span != null) {
                started++;
                RequestSpans.end(span, Reply.ok());
            }
        }
        return started;
    }

    private static Request request(String traceparent) {
        final Request.Builder b = Request.newBuilder().setMethod("echo");
        if (traceparent != null) {
            b.putHeaders("traceparent", traceparent);
        }
        return b.build();
    }

    @Test
    void shouldTraceRootsAtTheRatioOnce() {
        final int n = 20_000;
        traced(0.01, request(null), n);
        // Binomial(20000, 0.01): mean 200, sd about 14; six sd either side. Ratio squared would give about 2.
        assertThat(ended).hasSizeBetween(116, 284);
        assertThat(ended).allSatisfy(s -> assertThat(s.getParentSpanContext().isValid()).isFalse());
    }

    @Test
    void shouldTraceRootsWithOtherHeadersAtTheRatio() {
        final Request r = request(null).toBuilder().putHeaders("x-other", "1").build();
        traced(0.01, r, 20_000);
        assertThat(ended).hasSizeBetween(116, 284);
    }

    @Test
    void shouldAlwaysTraceTheChildOfASampledParentAndNeverOfAnUnsampledOne() {
        final int sampled = traced(0.01, request("00-" + TRACE_ID + "-" + PARENT + "-01"), 1_000);
        assertThat(sampled).isEqualTo(1_000);
        assertThat(ended).hasSize(1_000).allSatisfy(s -> {
            assertThat(s.getTraceId()).isEqualTo(TRACE_ID);
            assertThat(s.getParentSpanId()).isEqualTo(PARENT);
        });
        ended.clear();
        traced(1, request("00-" + TRACE_ID + "-" + PARENT + "-00"), 1_000);
        assertThat(ended).as("an unsampled parent's child is not exported, even at ratio 1").isEmpty();
    }

    @Test
    void shouldTraceEveryRootAtRatioOne() {
        assertThat(traced(1, request(null), 2_000)).isEqualTo(2_000);
        assertThat(ended).hasSize(2_000).allSatisfy(s -> {
            assertThat(s.getName()).isEqualTo("echo");
            assertThat(s.getKind()).isEqualTo(io.opentelemetry.api.trace.SpanKind.SERVER);
            assertThat(s.getAttributes().get(RequestSpans.RPC_SYSTEM)).isEqualTo("tether");
            assertThat(s.getAttributes().get(RequestSpans.STATUS_CODE)).isEqualTo(0L);
        });
    }

    @Test
    void shouldTraceNothingAtRatioZero() {
        assertThat(traced(0, request(null), 2_000)).isZero();
        assertThat(ended).isEmpty();
    }

    @Test
    void shouldTreatAnUnreadableTraceparentAsARoot() {
        traced(0, request("garbage"), 100);
        assertThat(ended).isEmpty();
        traced(1, request("garbage"), 100);
        assertThat(ended).hasSize(100);
    }
}
