package io.tether.engine.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tether.telemetry.PrometheusText;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin endpoint ({@code --admin-listen}): the JDK's HTTP server on two threads of its own, never an event
 * loop. {@code /healthz} says the process answers, {@code /readyz} whether every listener is bound and the server
 * is not shutting down; {@code /metrics} (Prometheus text) and {@code /sessions} (count and top-K) need the bearer
 * token when {@code --admin-token} is set.
 */
final class AdminEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminEndpoint.class);

    private final TetherServer server;
    private final HttpServer http;
    private final ExecutorService threads;
    private final byte[] token;

    private AdminEndpoint(TetherServer server, HttpServer http, ExecutorService threads, String token) {
        this.server = server;
        this.http = http;
        this.threads = threads;
        this.token = token.isEmpty() ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
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
                LOG.warn("admin request {} failed", exchange.getRequestURI(), e);
                send(exchange, 500, "text/plain", "internal error: " + e + "\n");
            }
        }
    }

    private void route(HttpExchange exchange) throws IOException {
        final String path = exchange.getRequestURI().getPath();
        if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
            exchange.getResponseHeaders().set("Allow", "GET, HEAD");
            send(exchange, 405, "text/plain", "only GET\n");
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
            default -> send(exchange, 404, "text/plain", "no such page: /healthz /readyz /metrics /sessions\n");
        }
    }

    private boolean authorized(HttpExchange exchange) throws IOException {
        if (token == null) {
            return true;
        }
        final String given = exchange.getRequestHeaders().getFirst("Authorization");
        // Constant time: a wrong token must not tell how much of it was right.
        if (given != null && MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8))) {
            return true;
        }
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"tether\"");
        send(exchange, 401, "text/plain", "a valid bearer token is needed\n");
        return false;
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
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
