package io.tether.engine.server;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.tether.codec.proto.Request;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a request's span costs the handler's thread in {@code Dispatcher.invoke}: start, make current, close the
 * scope, end, for a request without headers (a root). {@code ratio} 0 is tracing off (no RequestSpans, as the
 * server has then). {@code requestSpans} is the server's path (the root decided before anything is built);
 * {@code spanPerRequest} is the earlier one kept as the baseline: a span built for every request and the SDK's
 * ratio sampler deciding. Ended spans go through a SimpleSpanProcessor to an exporter that drops them (a batch processor's queue
 * overflows at this rate, and its drop warnings would be measured instead).
 * <pre>
 * java -jar jmh/target/benchmarks.jar RequestSpanBenchmark -f 1 -wi 3 -i 5 -w 1 -r 1 -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RequestSpanBenchmark {
    private static final TextMapGetter<Request> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Request request) {
            return request.getHeadersMap().keySet();
        }

        @Override
        public String get(Request request, String key) {
            return request == null ? null : request.getHeadersOrDefault(key, null);
        }
    };

    @Param({"0", "0.01", "1"})
    public double ratio;

    private final Request request = Request.newBuilder().setMethod("echo").build();
    private SdkTracerProvider decided;
    private SdkTracerProvider sampledBySdk;
    private RequestSpans spans;
    private Tracer perRequest;

    @Setup(Level.Trial)
    public void setUp() {
        decided = provider(Sampler.parentBased(Sampler.alwaysOn()));
        sampledBySdk = provider(Sampler.parentBased(Sampler.traceIdRatioBased(ratio)));
        spans = ratio > 0 ? new RequestSpans(decided.get("io.tether"), ratio) : null;
        perRequest = ratio > 0 ? sampledBySdk.get("io.tether") : null;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        decided.close();
        sampledBySdk.close();
    }

    private static SdkTracerProvider provider(Sampler sampler) {
        return SdkTracerProvider.builder().setSampler(sampler)
            .addSpanProcessor(SimpleSpanProcessor.create(new SpanExporter() {
                @Override
                public CompletableResultCode export(Collection<SpanData> batch) {
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
    }

    @Benchmark
    public Reply requestSpans() {
        final RequestSpans s = spans;
        final Span span = s == null ? null : s.start(request);
        return around(span);
    }

    @Benchmark
    public Reply spanPerRequest() {
        final Tracer t = perRequest;
        Span span = null;
        if (t != null) {
            final Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), request, HEADERS);
            span = t.spanBuilder(request.getMethod()).setParent(parent).setSpanKind(SpanKind.SERVER)
                .setAttribute(RequestSpans.RPC_SYSTEM, "tether").setAttribute(RequestSpans.RPC_METHOD,
                    request.getMethod()).startSpan();
        }
        return around(span);
    }

    private static Reply around(Span span) {
        final Reply reply = Reply.ok();
        try (io.opentelemetry.context.Scope ignored = span == null ? null : span.makeCurrent()) {
            return reply;
        } finally {
            if (span != null) {
                RequestSpans.end(span, reply);
            }
        }
    }
}
