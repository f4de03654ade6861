package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.engine.server.TetherServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Headless Chromium loads /dashboard while a load runs: the page polls once a second, its request total moves
 * from sample to sample, and it never shows more than /metrics counts afterwards. With a token the page loads
 * through ?token= and polls with the header.
 */
class DashboardChromiumTest {
    private static final Pattern HISTORY = Pattern.compile("id=\"requests-total\" data-history=\"([0-9,]+)\"");
    private static final Pattern METRIC = Pattern.compile("(?m)^tether_server_requests_total (\\d+)$");

    @TempDir
    Path profile;
    private TetherServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    @Test
    void shouldShowNumbersThatMoveWithTheLoadAndMatchMetrics() throws Exception {
        server = TetherServer.builder().config(TestServers.config("admin-listen", "http://127.0.0.1:0",
            "admin-token", "dash")).start();
        final String base = "http://127.0.0.1:" + server.adminAddress().getPort();
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong answered = new AtomicLong();
        final Thread load = Thread.ofPlatform().start(() -> {
            try (RawClient c = RawClient.connect(TestServers.address(server))) {
                c.hello("dashboard-load");
                while (running.get()) {
                    c.echo("load");
                    answered.incrementAndGet();
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        final String dom;
        try {
            TestServers.await("the load runs", () -> answered.get() > 100);
            dom = dumpDom(base + "/dashboard?token=dash");
        } finally {
            running.set(false);
            load.join(TimeUnit.SECONDS.toMillis(10));
        }
        final long metricsTotal = metricsRequests(base, "dash");
        final Matcher m = HISTORY.matcher(dom);
        assertThat(m.find()).as("the page rendered its samples: %s", dom).isTrue();
        final long[] shown = Arrays.stream(m.group(1).split(",")).mapToLong(Long::parseLong).toArray();
        assertThat(shown.length).as("samples, one a second").isGreaterThanOrEqualTo(3);
        for (int i = 1; i < shown.length; i++) {
            assertThat(shown[i]).as("sample %d moved on from %d", i, shown[i - 1]).isGreaterThan(shown[i - 1]);
        }
        assertThat(shown[shown.length - 1]).isLessThanOrEqualTo(metricsTotal).isPositive();
        assertThat(dom).contains("id=\"status\" class=\"\">live<").contains("no TLS");
        assertThat(dom).as("refusals by reason").contains("ip-connections: <b>0</b>").contains("breaker-open: <b>");
        assertThat(dom).as("nothing fetched from elsewhere").doesNotContainPattern("(src|href)=\"(https?:)?//");
    }

    @Test
    void shouldRefuseThePageWithoutTheToken() throws Exception {
        server = TetherServer.builder().config(TestServers.config("admin-listen", "http://127.0.0.1:0",
            "admin-token", "dash")).start();
        final String base = "http://127.0.0.1:" + server.adminAddress().getPort();
        final HttpClient http = HttpClient.newHttpClient();
        for (String path : List.of("/dashboard", "/dashboard?token=nope", "/dashboard.json?token=dash")) {
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).as(path).isEqualTo(401);
        }
        final HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + "/dashboard?token=dash"))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
            csp -> assertThat(csp).contains("default-src 'none'").contains("connect-src 'self'"));
    }

    /** The page's DOM after about five seconds of its own time (virtual time runs only while nothing loads). */
    private String dumpDom(String url) throws Exception {
        final Process chromium = new ProcessBuilder("/usr/bin/chromium", "--headless", "--no-sandbox",
            "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--user-data-dir=" + profile, "--virtual-time-budget=5500", "--dump-dom", url)
            .redirectError(profile.resolve("chromium.log").toFile()).start();
        final byte[] out = chromium.getInputStream().readAllBytes();
        assertThat(chromium.waitFor(60, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        assertThat(chromium.exitValue()).as("chromium: %s", Files.readString(profile.resolve("chromium.log")))
            .isZero();
        return new String(out, StandardCharsets.UTF_8);
    }

    private static long metricsRequests(String base, String token) throws Exception {
        final String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
            .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).body();
        final Matcher m = METRIC.matcher(text);
        assertThat(m.find()).isTrue();
        return Long.parseLong(m.group(1));
    }
}
