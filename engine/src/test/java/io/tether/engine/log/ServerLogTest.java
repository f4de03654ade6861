package io.tether.engine.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.tether.engine.TestServers;
import io.tether.engine.client.TetherClient;
import io.tether.engine.config.TetherConfig;
import io.tether.engine.server.Reply;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Metric;
import io.tether.telemetry.log.JsonLines;
import io.tether.telemetry.log.LogControl;
import io.tether.telemetry.log.LogEvent;
import io.tether.telemetry.log.ServerLog;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server's log as {@code tether serve} installs it: JSON lines in a file, read back with Python's json module,
 * the session events of a real client, a handler's record carrying the request's trace and span ids, the same
 * records exported over OTLP/HTTP into a receiver in the test (decoded with opentelemetry-proto), and the
 * sampling drops in the server's metrics.
 */
class ServerLogTest {
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final LogEvent HANDLED = LogEvent.info(ServerLogTest.class, "test.handled");

    private final List<io.opentelemetry.proto.logs.v1.LogRecord> exported = new CopyOnWriteArrayList<>();
    private HttpServer receiver;
    private TetherServer server;
    private ServerLog log;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
        if (log != null) {
            log.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    void shouldWriteJsonLinesWithTraceIdsAndExportThemOverOtlp() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        receiver.createContext("/v1/logs", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                ExportLogsServiceRequest.parseFrom(in.readAllBytes()).getResourceLogsList().stream()
                    .map(ResourceLogs::getScopeLogsList).flatMap(List::stream).map(ScopeLogs::getLogRecordsList)
                    .forEach(exported::addAll);
                final byte[] answer = ExportLogsServiceResponse.getDefaultInstance().toByteArray();
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
            }
        });
        receiver.createContext("/v1/traces", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                final byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
            }
        });
        receiver.start();
        final Path file = dir.resolve("tether.log");
        final TetherConfig config = TestServers.config("otlp-endpoint", "http://127.0.0.1:"
            + receiver.getAddress().getPort(), "trace-sample-ratio", "1", "log-file", file.toString(),
            "log-sample-first", "3", "log-sample-thereafter", "1000");
        log = ServerLog.install(LogControl.global(), config.logSettings(), false, System.err, config.otlpEndpoint(),
            config.otlpProtocol());
        server = TetherServer.builder().config(config)
            .onRequest("handled", call -> {
                HANDLED.log("method", "handled", "client", call.clientId());
                return Reply.ok(ByteString.EMPTY);
            })
            .start();
        log.countInto(server.counters().newSet("log"));
        try (TetherClient client = TetherClient.builder().clientId("traced").connect(TestServers.address(server))) {
            try (Scope ignored = Context.root().with(Span.wrap(SpanContext.create(TRACE_ID, "00f067aa0ba902b7",
                TraceFlags.getSampled(), TraceState.getDefault()))).makeCurrent()) {
                client.request("handled", ByteString.EMPTY).get(10, TimeUnit.SECONDS);
            }
        }
        // A burst past the sampler: 3 pass, the rest are counted, in log.suppressed and in the metrics.
        for (int i = 0; i < 50; i++) {
            HANDLED.log("method", "burst");
        }
        TestServers.await("the handler's record exported", () -> exported.stream()
            .anyMatch(r -> r.getEventName().equals("test.handled")
                && HexFormat.of().formatHex(r.getTraceId().toByteArray()).equals(TRACE_ID)), 20);
        TestServers.await("the suppressed burst counted", () -> server.counters()
            .total(Metric.LOG_DROPPED_SAMPLED) >= 47, 10);
        server.shutdown(Duration.ofSeconds(1));
        server = null;
        log.close();
        log = null;

        final List<Map<String, String>> records = JsonLines.parse(file);
        assertThat(records).anySatisfy(r -> assertThat(r).containsEntry("event", "session.opened")
            .containsEntry("client", "traced").containsKeys("session", "remote", "loop"));
        final Map<String, String> handled = records.stream()
            .filter(r -> r.get("event").equals("test.handled") && "handled".equals(r.get("method")))
            .findFirst().orElseThrow();
        assertThat(handled).containsEntry("trace_id", TRACE_ID).containsEntry("client", "traced")
            .containsEntry("level", "INFO").containsKey("span_id");
        assertThat(handled.get("span_id")).hasSize(16).isNotEqualTo("00f067aa0ba902b7"); // the server's span
        final long burstWritten = records.stream().filter(r -> "burst".equals(r.get("method"))).count();
        final long suppressed = records.stream().filter(r -> r.get("event").equals("log.suppressed"))
            .mapToLong(r -> Long.parseLong(r.getOrDefault("test.handled", "0"))).sum();
        assertThat(burstWritten + suppressed).as("each burst record written or counted").isEqualTo(50);
    }
}
