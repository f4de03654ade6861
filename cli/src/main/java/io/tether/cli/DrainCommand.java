package io.tether.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tether drain}: asks a running server, through its admin endpoint ({@code POST /drain}), to stop the way a
 * SIGTERM does: a cluster node first hands its sessions to the other nodes. Waits until the server is gone.
 */
@Command(name = "drain", mixinStandardHelpOptions = true,
    description = {"Stops a running server as SIGTERM does, through its admin endpoint: a cluster node hands its "
        + "sessions to the other nodes first. Waits until the server has stopped.",
        "Exit codes: 0 stopped, 1 the endpoint refused or did not stop in time, 2 bad options."})
final class DrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--admin", required = true, description = "The server's admin endpoint, http://HOST:PORT.")
    String admin;
    @Option(names = "--admin-token", description = "Its bearer token (admin-token), if it has one.")
    String token;
    @Option(names = "--wait", defaultValue = "60s", description = "How long to wait for the server to stop "
        + "(default ${DEFAULT-VALUE}).")
    String waitText;

    @Override
    public Integer call() throws InterruptedException {
        final Duration wait;
        final URI base;
        try {
            wait = io.tether.engine.config.Values.parseDuration(waitText);
            base = URI.create(admin.endsWith("/") ? admin.substring(0, admin.length() - 1) : admin);
            if (!"http".equals(base.getScheme()) || base.getHost() == null) {
                throw new IllegalArgumentException("--admin: http://HOST:PORT, got '" + admin + "'");
            }
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("tether drain: " + e.getMessage());
            return 2;
        }
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        final HttpRequest.Builder post = HttpRequest.newBuilder(base.resolve("/drain"))
            .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            post.header("Authorization", "Bearer " + token);
        }
        try {
            final HttpResponse<String> r = http.send(post.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 202) {
                spec.commandLine().getErr().print("tether drain: " + r.statusCode() + " " + r.body());
                return 1;
            }
            spec.commandLine().getOut().print("tether drain: " + r.body());
            spec.commandLine().getOut().flush();
        } catch (IOException e) {
            spec.commandLine().getErr().println("tether drain: cannot reach " + base + ": " + e.getMessage());
            return 1;
        }
        final long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                http.send(HttpRequest.newBuilder(base.resolve("/healthz")).timeout(Duration.ofSeconds(1)).build(),
                    HttpResponse.BodyHandlers.discarding());
            } catch (IOException e) {
                spec.commandLine().getOut().println("tether drain: the server has stopped");
                return 0;
            }
            Thread.sleep(100); // polling the endpoint until it is gone
        }
        spec.commandLine().getErr().println("tether drain: the server was still up after " + waitText);
        return 1;
    }
}
