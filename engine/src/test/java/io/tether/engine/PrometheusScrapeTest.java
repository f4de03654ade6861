package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.engine.server.TetherServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prometheus from Debian scrapes the admin endpoint's /metrics; its query API then shows tether's series with the
 * values of a known load. The test starts Prometheus itself, on an ephemeral port with a temporary config and
 * data directory; without the prometheus binary it fails (scripts/setup-peers installs it).
 */
class PrometheusScrapeTest {
    private static final Pattern VALUE = Pattern.compile("\"value\":\\[[0-9.e+]+,\"([^\"]+)\"\\]");

    @TempDir
    Path dir;
    private final HttpClient http = HttpClient.newHttpClient();
    private TetherServer server;
    private Process prometheus;

    @AfterEach
    void stop() throws InterruptedException {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    @Test
    void shouldFindTheServersSeriesWithTheRightValuesAfterAKnownLoad() throws Exception {
        server = TetherServer.builder().config(TestServers.config("admin-listen", "http://127.0.0.1:0",
            "admin-token", "scrape-me")).start();
        final Path config = Files.writeString(dir.resolve("prometheus.yml"), """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: tether
                authorization:
                  credentials: scrape-me
                static_configs:
                  - targets: ['127.0.0.1:%d']
            """.formatted(server.adminAddress().getPort()));
        final int port = freePort();
        prometheus = new ProcessBuilder("prometheus", "--config.file=" + config,
            "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();

        try (RawClient c = RawClient.connect(TestServers.address(server))) {
            c.hello("scraped");
            for (int i = 0; i < 23; i++) {
                c.echo("p" + i);
            }
            awaitValue(port, "tether_server_requests_total{job=\"tether\"}", "23");
            awaitValue(port, "rpc_server_call_duration_seconds_count{job=\"tether\",rpc_system=\"tether\"}", "23");
            awaitValue(port, "tether_server_active_sessions{job=\"tether\"}", "1");
            awaitValue(port, "sum(tether_io_frames_total{job=\"tether\",network_io_direction=\"receive\"})", "24");
            awaitValue(port, "up{job=\"tether\"}", "1");
        }
    }

    private void awaitValue(int port, String query, String expected) throws Exception {
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            assertThat(prometheus.isAlive()).as("prometheus runs: %s", log()).isTrue();
            try {
                last = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/query?query="
                    + URLEncoder.encode(query, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
                final Matcher m = VALUE.matcher(last);
                if (m.find() && m.group(1).equals(expected)) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString(); // not listening yet
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
        throw new AssertionError(query + " never became " + expected + "; last answer: " + last + "\n" + log());
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("prometheus.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
