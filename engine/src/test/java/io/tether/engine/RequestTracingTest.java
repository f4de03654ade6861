package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.tether.engine.client.TetherClient;
import io.tether.engine.config.ConfigException;
import io.tether.engine.server.Reply;
import io.tether.engine.server.TetherServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Request spans over OTLP/HTTP into a receiver in the test (decoded with opentelemetry-proto): the client's
 * trace context travels in the traceparent header, the server span is its child, handlers see it as current,
 * and an unsampled parent yields no span.
 */
class RequestTracingTest {
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_SPAN = "00f067aa0ba902b7";

    private final List<io.opentelemetry.proto.trace.v1.Span> spans = new CopyOnWriteArrayList<>();
    private HttpServer receiver;
    private TetherServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    private void start(String ratio) throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        receiver.createContext("/v1/traces", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                ExportTraceServiceRequest.parseFrom(in.readAllBytes()).getResourceSpansList().stream()
                    .map(ResourceSpans::getScopeSpansList).flatMap(List::stream).map(ScopeSpans::getSpansList)
                    .forEach(spans::addAll);
                final byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
            }
        });
        receiver.start();
        server = TetherServer.builder().config(TestServers.config(
                "otlp-endpoint", "http://127.0.0.1:" + receiver.getAddress().getPort(),
                "trace-sample-ratio", ratio))
            .onRequest("current-trace", call -> Reply.ok(ByteString.copyFromUtf8(
                Span.current().getSpanContext().getTraceId())))
            .onRequest("fail", call -> {
                throw new IllegalStateException("on purpose");
            })
            .start();
    }

    private static Scope clientSpan(TraceFlags flags) {
        return Context.root().with(Span.wrap(SpanContext.create(TRACE_ID, CLIENT_SPAN, flags,
            TraceState.getDefault()))).makeCurrent();
    }

    @Test
    void shouldMakeTheServerSpanAChildOfTheClientsSpanAndCurrentInTheHandler() throws Exception {
        start("0.01");
        try (TetherClient client = TetherClient.builder().clientId("traced").connect(TestServers.address(server))) {
            final String seen;
            try (Scope ignored = clientSpan(TraceFlags.getSampled())) {
                seen = client.request("current-trace", ByteString.EMPTY).get(10, TimeUnit.SECONDS)
                    .getPayload().toStringUtf8();
                client.request("fail", ByteString.EMPTY).get(10, TimeUnit.SECONDS);
            }
            assertThat(seen).as("the handler's current span is in the client's trace").isEqualTo(TRACE_ID);
            TestServers.await("two spans exported", () -> spans.size() >= 2, 20);
        }
        final io.opentelemetry.proto.trace.v1.Span ok = span("current-trace");
        assertThat(hex(ok.getTraceId().toByteArray())).isEqualTo(TRACE_ID);
        assertThat(hex(ok.getParentSpanId().toByteArray())).isEqualTo(CLIENT_SPAN);
        assertThat(ok.getKind()).isEqualTo(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER);
        assertThat(attributes(ok)).containsEntry("rpc.system", "tether").containsEntry("rpc.method", "current-trace")
            .containsEntry("tether.status_code", "0");
        final io.opentelemetry.proto.trace.v1.Span failed = span("fail");
        assertThat(failed.getStatus().getCode())
            .isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
        assertThat(attributes(failed)).containsEntry("tether.status_code", "13");
    }

    @Test
    void shouldTraceNothingUnderAnUnsampledParentOrWithoutAParentAtASmallRatio() throws Exception {
        start("0.000001");
        try (TetherClient client = TetherClient.builder().clientId("quiet").connect(TestServers.address(server))) {
            try (Scope ignored = clientSpan(TraceFlags.getDefault())) {
                client.request("current-trace", ByteString.EMPTY).get(10, TimeUnit.SECONDS);
            }
            for (int i = 0; i < 20; i++) {
                client.request("echo", ByteString.EMPTY).get(10, TimeUnit.SECONDS);
            }
            // Then one sampled request: once its span arrives, anything exported before it would have too.
            try (Scope ignored = clientSpan(TraceFlags.getSampled())) {
                client.request("echo", ByteString.EMPTY).get(10, TimeUnit.SECONDS);
            }
            TestServers.await("the sampled span exported", () -> !spans.isEmpty(), 20);
        }
        server.shutdown(Duration.ofSeconds(1)); // flushes whatever else was queued
        server = null;
        assertThat(spans).hasSize(1);
        assertThat(hex(spans.get(0).getParentSpanId().toByteArray())).isEqualTo(CLIENT_SPAN);
    }

    @Test
    void shouldRefuseARatioOutsideZeroToOneOrWithNowhereToSendTheSpans() {
        assertThatThrownBy(() -> TestServers.config("trace-sample-ratio", "0.5"))
            .isInstanceOf(ConfigException.class).hasMessageContaining("no otlp-endpoint");
        assertThatThrownBy(() -> TestServers.config("trace-sample-ratio", "1.5", "otlp-endpoint", "http://x:4318"))
            .isInstanceOf(ConfigException.class).hasMessageContaining("trace-sample-ratio: must be 0 to 1");
        assertThatThrownBy(() -> TestServers.config("trace-sample-ratio", "half"))
            .isInstanceOf(ConfigException.class).hasMessageContaining("is not a number");
    }

    private io.opentelemetry.proto.trace.v1.Span span(String name) {
        return spans.stream().filter(s -> s.getName().equals(name)).findFirst()
            .orElseThrow(() -> new AssertionError("no span " + name + " in " + spans));
    }

    private static Map<String, String> attributes(io.opentelemetry.proto.trace.v1.Span span) {
        final Map<String, String> out = new java.util.HashMap<>();
        for (KeyValue kv : span.getAttributesList()) {
            out.put(kv.getKey(), kv.getValue().hasIntValue() ? String.valueOf(kv.getValue().getIntValue())
                : kv.getValue().getStringValue());
        }
        return out;
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
