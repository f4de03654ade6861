package io.tether.engine.server;

import io.tether.telemetry.log.LogEvent;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tether.telemetry.PrometheusText;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The admin endpoint ({@code --admin-listen}): the JDK's HTTP server on two threads of its own, never an event
 * loop. {@code /healthz} says the process answers, {@code /readyz} whether every listener is bound and the server
 * is not shutting down; {@code /metrics} (Prometheus text), {@code /sessions} (count and top-K) and
 * {@code /dashboard} (one self-contained page that polls {@code /dashboard.json}) need the bearer token when
 * {@code --admin-token} is set. A browser cannot send a bearer header when it opens a page, so the dashboard page
 * also takes the token as {@code ?token=}, and sends it as a header on its own polls.
 */
final class AdminEndpoint implements AutoCloseable {
    private static final LogEvent FAILED = LogEvent.warn(AdminEndpoint.class, "admin.request.failed");

    private final TetherServer server;
    private final HttpServer http;
    private final ExecutorService threads;
    private final byte[] token;
    private final DashboardData dashboard;
    private final byte[] dashboardPage;

    private AdminEndpoint(TetherServer server, HttpServer http, ExecutorService threads, String token) {
        this.server = server;
        this.http = http;
        this.threads = threads;
        this.token = token.isEmpty() ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        this.dashboard = new DashboardData(server);
        try (InputStream in = AdminEndpoint.class.getResourceAsStream("dashboard.html")) {
            this.dashboardPage = in.readAllBytes();
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("the dashboard page is missing from the jar", e);
        }
    }

    /** Binds and starts the endpoint of {@code server}'s config, or returns null when admin-listen is not set. */
    static AdminEndpoint start(TetherServer server) {
        final InetSocketAddress address = server.config().adminAddress();
        if (address == null) {
            return null;
        }
        final HttpServer http;
        try {
            http = HttpServer.create(address, 64);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on admin-listen " + server.config().adminListen() + ": "
                + e.getMessage(), e);
        }
        final AtomicInteger n = new AtomicInteger();
        final ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
            final Thread t = new Thread(r, "tether-admin-" + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
        final AdminEndpoint admin = new AdminEndpoint(server, http, threads, server.config().adminToken());
        http.setExecutor(threads);
        http.createContext("/", admin::handle);
        http.start();
        return admin;
    }

    /** The address actually bound (useful with port 0). */
    InetSocketAddress address() {
        return http.getAddress();
    }

    private void handle(HttpExchange exchange) throws IOException {
        // One try inside the other: try-with-resources closes the exchange before its own catch clauses run.
        try (exchange) {
            try {
                route(exchange);
            } catch (IllegalArgumentException e) {
                send(exchange, 400, "text/plain", e.getMessage() + "\n");
            } catch (RuntimeException e) {
                FAILED.fail(e, "uri", exchange.getRequestURI());
                send(exchange, 500, "text/plain", "internal error: " + e + "\n");
            }
        }
    }

    private void route(HttpExchange exchange) throws IOException {
        final String path = exchange.getRequestURI().getPath();
        if (path.equals("/drain")) {
            if (!exchange.getRequestMethod().equals("POST")) {
                exchange.getResponseHeaders().set("Allow", "POST");
                send(exchange, 405, "text/plain", "POST /drain\n");
            } else if (authorized(exchange)) {
                send(exchange, 202, "text/plain", server.requestStop("drain requested through the admin endpoint")
                    ? (server.cluster() != null ? "draining: sessions go to the other nodes, then the node stops\n"
                        : "stopping: graceful shutdown (not a cluster node: sessions are not handed over)\n")
                    : "already stopping\n");
            }
            return;
        }
        if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
            exchange.getResponseHeaders().set("Allow", "GET, HEAD");
            send(exchange, 405, "text/plain", "only GET (and POST /drain)\n");
            return;
        }
        switch (path) {
            case "/healthz" -> send(exchange, 200, "text/plain", "ok\n");
            case "/readyz" -> {
                if (server.isReady()) {
                    send(exchange, 200, "text/plain", "ready\n");
                } else {
                    send(exchange, 503, "text/plain", server.isClosed() ? "shutting down\n" : "starting\n");
                }
            }
            case "/metrics" -> {
                if (authorized(exchange)) {
                    send(exchange, 200, PrometheusText.CONTENT_TYPE, PrometheusText.write(server.counters()));
                }
            }
            case "/sessions" -> {
                if (authorized(exchange)) {
                    send(exchange, 200, "application/json",
                        SessionsReport.json(server, exchange.getRequestURI().getRawQuery()));
                }
            }
            case "/dashboard" -> {
                if (authorized(exchange)) {
                    // The page's own promise, enforced by the browser: nothing from anywhere but this endpoint.
                    exchange.getResponseHeaders().set("Content-Security-Policy", "default-src 'none'; "
                        + "script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'");
                    send(exchange, 200, "text/html; charset=utf-8", dashboardPage);
                }
            }
            case "/dashboard.json" -> {
                if (authorized(exchange)) {
                    send(exchange, 200, "application/json", dashboard.json());
                }
            }
            case "/cluster" -> {
                if (authorized(exchange)) {
                    final Cluster cluster = server.cluster();
                    if (cluster == null) {
                        send(exchange, 404, "text/plain", "not a cluster node (cluster-name is not set)\n");
                    } else {
                        send(exchange, 200, "text/plain", cluster.status());
                    }
                }
            }
            default -> send(exchange, 404, "text/plain",
                "no such page: /healthz /readyz /metrics /sessions /dashboard /cluster, POST /drain\n");
        }
    }

    private boolean authorized(HttpExchange exchange) throws IOException {
        if (token == null) {
            return true;
        }
        String given = exchange.getRequestHeaders().getFirst("Authorization");
        if (given == null && exchange.getRequestURI().getPath().equals("/dashboard")) {
            given = "Bearer " + queryToken(exchange.getRequestURI().getRawQuery());
        }
        // Constant time: a wrong token must not tell how much of it was right.
        if (given != null && MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8))) {
            return true;
        }
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"tether\"");
        send(exchange, 401, "text/plain", "a valid bearer token is needed\n");
        return false;
    }

    private static String queryToken(String rawQuery) {
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                if (pair.startsWith("token=")) {
                    return java.net.URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
                }
            }
        }
        return "";
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        send(exchange, status, type, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] bytes) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        final boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        http.stop(0);
        threads.shutdownNow();
    }
}
