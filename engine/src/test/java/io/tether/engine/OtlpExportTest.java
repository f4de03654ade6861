package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.tether.engine.server.TetherServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An OTLP/HTTP receiver inside the test, decoding with the opentelemetry-proto classes: after a known load the
 * server's export carries the request count, the request durations as rpc.server.call.duration and the gauges.
 */
class OtlpExportTest {
    private final LinkedBlockingQueue<ExportMetricsServiceRequest> received = new LinkedBlockingQueue<>();
    private final Map<String, String> contentTypes = new ConcurrentHashMap<>();
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

    private void startReceiver() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        receiver.createContext("/v1/metrics", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                contentTypes.put(exchange.getRequestURI().getPath(),
                    String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type")));
                received.add(ExportMetricsServiceRequest.parseFrom(in.readAllBytes()));
                final byte[] answer = ExportMetricsServiceResponse.getDefaultInstance().toByteArray();
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
            }
        });
        receiver.start();
    }

    @Test
    void shouldExportCountersGaugesAndRequestDurationsOverOtlpHttp() throws Exception {
        startReceiver();
        server = TetherServer.builder().config(TestServers.config(
            "otlp-endpoint", "http://127.0.0.1:" + receiver.getAddress().getPort(),
            "otlp-interval", "200ms")).start();
        try (RawClient c = RawClient.connect(TestServers.address(server))) {
            c.hello("otlp");
            for (int i = 0; i < 17; i++) {
                c.echo("o" + i);
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (true) {
                final ExportMetricsServiceRequest export = received.poll(1, TimeUnit.SECONDS);
                if (export != null && sum(export, "tether.server.requests") == 17
                    && histogram(export, "rpc.server.call.duration").getCount() == 17) {
                    final HistogramDataPoint calls = histogram(export, "rpc.server.call.duration");
                    assertThat(calls.getExplicitBoundsList()).startsWith(0.005, 0.01, 0.025).hasSize(14);
                    assertThat(calls.getBucketCountsList()).hasSize(15);
                    assertThat(calls.getBucketCountsList().stream().mapToLong(Long::longValue).sum()).isEqualTo(17);
                    assertThat(calls.getAttributesList()).extracting(KeyValue::getKey).containsExactly("rpc.system");
                    assertThat(metric(export, "rpc.server.call.duration").getUnit()).isEqualTo("s");
                    assertThat(gauge(export, "tether.server.active_sessions")).isEqualTo(1);
                    assertThat(gauge(export, "tether.server.active_connections")).isEqualTo(1);
                    final Metric frames = metric(export, "tether.io.frames");
                    assertThat(frames.getSum().getIsMonotonic()).isTrue();
                    assertThat(frames.getSum().getDataPointsList()).hasSize(2);
                    assertThat(resource(export)).containsEntry("service.name", "tether");
                    break;
                }
                assertThat(System.nanoTime()).as("an export with the 17 requests").isLessThan(deadline);
            }
        }
        assertThat(contentTypes.get("/v1/metrics")).isEqualTo("application/x-protobuf");
    }

    private static List<Metric> metrics(ExportMetricsServiceRequest export) {
        return export.getResourceMetricsList().stream().map(ResourceMetrics::getScopeMetricsList)
            .flatMap(List::stream).map(ScopeMetrics::getMetricsList).flatMap(List::stream).toList();
    }

    private static Metric metric(ExportMetricsServiceRequest export, String name) {
        return metrics(export).stream().filter(m -> m.getName().equals(name)).findFirst()
            .orElseThrow(() -> new AssertionError("no " + name + " in the export"));
    }

    private static long sum(ExportMetricsServiceRequest export, String name) {
        return metrics(export).stream().filter(m -> m.getName().equals(name))
            .flatMap(m -> m.getSum().getDataPointsList().stream()).mapToLong(NumberDataPoint::getAsInt).sum();
    }

    private static long gauge(ExportMetricsServiceRequest export, String name) {
        return metric(export, name).getGauge().getDataPoints(0).getAsInt();
    }

    private static HistogramDataPoint histogram(ExportMetricsServiceRequest export, String name) {
        return metrics(export).stream().filter(m -> m.getName().equals(name))
            .map(m -> m.getHistogram().getDataPoints(0)).findFirst().orElse(HistogramDataPoint.getDefaultInstance());
    }

    private static Map<String, String> resource(ExportMetricsServiceRequest export) {
        final Map<String, String> out = new java.util.HashMap<>();
        for (KeyValue kv : export.getResourceMetrics(0).getResource().getAttributesList()) {
            out.put(kv.getKey(), kv.getValue().getStringValue());
        }
        return out;
    }
}
