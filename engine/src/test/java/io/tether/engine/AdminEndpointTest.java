package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tether.engine.config.ConfigException;
import io.tether.engine.server.Reply;
import io.tether.engine.server.TetherServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The admin endpoint over real HTTP: health, readiness through a shutdown, the token, /metrics and /sessions. */
class AdminEndpointTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private TetherServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        final HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + server.adminAddress().getPort() + path)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldRefuseAnAdminAddressThatIsNotHttpHostPortAndATokenWithoutIt() {
        for (String bad : new String[] {"https://127.0.0.1:9000", "127.0.0.1:9000", "http://127.0.0.1",
            "http://127.0.0.1:9000/admin"}) {
            assertThatThrownBy(() -> TestServers.config("admin-listen", bad)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("admin-listen");
        }
        assertThatThrownBy(() -> TestServers.config("admin-token", "t")).isInstanceOf(ConfigException.class)
            .hasMessageContaining("admin-token is given but admin-listen is not");
        assertThat(TestServers.config("admin-listen", "http://127.0.0.1:9000").adminAddress().getPort())
            .isEqualTo(9000);
    }

    @Test
    void shouldServeHealthToAnyoneAndEverythingElseOnlyWithTheToken() throws Exception {
        server = TetherServer.builder().config(TestServers.config("admin-listen", "http://127.0.0.1:0",
            "admin-token", "s3cret")).start();
        assertThat(get("/healthz", null).statusCode()).isEqualTo(200);
        assertThat(get("/readyz", null).statusCode()).isEqualTo(200);
        for (String path : new String[] {"/metrics", "/sessions"}) {
            final HttpResponse<String> none = get(path, null);
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> v.startsWith("Bearer"));
            assertThat(get(path, "s3cre").statusCode()).isEqualTo(401);
            assertThat(get(path, "s3cret").statusCode()).isEqualTo(200);
        }
        assertThat(get("/nothing", "s3cret").statusCode()).isEqualTo(404);
        final HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + server.adminAddress().getPort() + "/metrics")).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void shouldExposeCountersAndRequestDurationsAsPrometheusText() throws Exception {
        server = TetherServer.builder().config(TestServers.config("admin-listen", "http://127.0.0.1:0")).start();
        try (RawClient c = RawClient.connect(TestServers.address(server))) {
            c.hello("metrics");
            for (int i = 0; i < 12; i++) {
                c.echo("m" + i);
            }
            final HttpResponse<String> metrics = get("/metrics", null);
            assertThat(metrics.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; "
                + "charset=utf-8");
            assertThat(metrics.body())
                .contains("tether_server_requests_total 12\n")
                .contains("tether_server_active_sessions 1\n")
                .contains("tether_server_active_connections 1\n")
                .contains("rpc_server_call_duration_seconds_count{rpc_system=\"tether\"} 12\n")
                .contains("tether_io_frames_total{network_io_direction=\"receive\"} 13\n");
        }
    }

    @Test
    void shouldListTheSessionsWithTheLargestOutboxAndTheOldestButNeverAll() throws Exception {
        server = TetherServer.builder().config(TestServers.config("admin-listen", "http://127.0.0.1:0")).start();
        try (RawClient first = RawClient.connect(TestServers.address(server));
             RawClient second = RawClient.connect(TestServers.address(server));
             RawClient third = RawClient.connect(TestServers.address(server))) {
            final String oldest = first.helloForSessionId("first");
            second.helloForSessionId("second");
            final String backlogged = third.helloForSessionId("third \"quoted\"");
            for (int i = 0; i < 5; i++) {
                server.push(backlogged, "t", new byte[1000]); // never acknowledged: kept in the outbox
            }
            final String body = get("/sessions?top=2", null).body();
            assertThat(body).startsWith("{\"count\":3,\"attached\":3,\"detached\":0,\"top\":2,");
            final String largest = body.substring(body.indexOf("\"largestOutbox\""), body.indexOf("\"oldest\""));
            assertThat(largest).startsWith("\"largestOutbox\":[{\"id\":\"" + backlogged
                + "\",\"clientId\":\"third \\\"quoted\\\"\"");
            assertThat(largest.split("\"id\"").length - 1).isEqualTo(2);
            final String old = body.substring(body.indexOf("\"oldest\""));
            assertThat(old).startsWith("\"oldest\":[{\"id\":\"" + oldest + "\"");
            assertThat(get("/sessions?top=0", null).statusCode()).isEqualTo(400);
            assertThat(get("/sessions?top=101", null).statusCode()).isEqualTo(400);
        }
    }

    @Test
    void shouldStopBeingReadyAsSoonAsShutdownStarts() throws Exception {
        final CountDownLatch running = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        server = TetherServer.builder().config(TestServers.config("admin-listen", "http://127.0.0.1:0",
            "shutdown-grace", "10s")).onRequest("hold", call -> {
                running.countDown();
                release.await();
                return Reply.ok();
            }).start();
        assertThat(get("/readyz", null).body()).isEqualTo("ready\n");
        try (RawClient c = RawClient.connect(TestServers.address(server))) {
            c.hello("holder");
            c.sendFrame(HandWire.request(1, "hold", new byte[0]));
            assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
            final Thread closing = Thread.ofPlatform().start(server::close);
            TestServers.await("not ready while shutting down", () -> {
                try {
                    return get("/readyz", null).statusCode() == 503;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(get("/readyz", null).body()).isEqualTo("shutting down\n");
            assertThat(get("/healthz", null).statusCode()).isEqualTo(200);
            release.countDown();
            closing.join(TimeUnit.SECONDS.toMillis(20));
            assertThat(closing.isAlive()).isFalse();
        }
    }
}
