package io.tether.cli;

import static io.tether.engine.TestServers.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tether.engine.client.TetherClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A server under a small open-file limit ({@code ulimit -n}, set for its process alone) refuses connections a little
 * below the limit, counted as {@code open_files}, instead of running into "Too many open files"; and it goes on
 * serving the connections it has and, once some close, new ones.
 */
class OpenFileLimitTest {
    private static final int LIMIT = 400;
    private final List<Socket> sockets = new ArrayList<>();
    private Process server;
    private Path log;

    @AfterEach
    void stop() throws IOException {
        sockets.forEach(OpenFileLimitTest::closeQuietly);
        if (server != null) {
            server.destroyForcibly();
        }
        if (log != null) {
            Files.deleteIfExists(log);
        }
    }

    @Test
    void shouldRefuseConnectionsBelowTheOpenFileLimitAndKeepServing() throws Exception {
        final int port = freePort();
        final int admin = freePort();
        log = Files.createTempFile("tether-open-files-", ".log");
        final List<String> command = new ArrayList<>(List.of("bash", "-c", "ulimit -n " + LIMIT + " && exec \"$@\"",
            "bash"));
        command.addAll(CliProcesses.command("serve", "--listen", "tcp://127.0.0.1:" + port, "--admin-listen",
            "http://127.0.0.1:" + admin, "--io-threads", "1", "--stat-file", "off", "--stats-interval", "0s",
            "--log-level", "info", "--log-format", "json", "--handshake-timeout", "60s"));
        server = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(log.toFile()).start();
        final Pattern logged = Pattern.compile("\"event\":\"admission.open.files\".*\"connections\":(\\d+)");
        await("the server logs its open-file ceiling", () -> logged.matcher(read(log)).find(), 30);
        final Matcher m = logged.matcher(read(log));
        assertThat(m.find()).isTrue();
        final int ceiling = Integer.parseInt(m.group(1));
        assertThat(ceiling).isBetween(1, LIMIT - 100);
        await("the server listens", () -> metrics(admin) != null, 30);

        final TetherClient first = TetherClient.builder().clientId("first").connect("tcp://127.0.0.1:" + port);
        try {
            // Fill it up with sockets that never speak (the handshake timeout is a minute), and then some more.
            for (int i = 0; i < ceiling + 20; i++) {
                sockets.add(new Socket("127.0.0.1", port));
            }
            await("20 connections refused for the open-file limit",
                () -> refused(admin) >= 20, 30);
            assertThat(closedByServer(sockets.get(sockets.size() - 1))).isTrue();
            // The session it had goes on being served.
            assertThat(first.request("echo", ByteString.copyFromUtf8("still here")).get(10, TimeUnit.SECONDS)
                .getPayload().toStringUtf8()).isEqualTo("still here");
            // Room again: a new client gets in.
            sockets.forEach(OpenFileLimitTest::closeQuietly);
            sockets.clear();
            await("the server closed the silent sockets' connections", () -> {
                final String text = metrics(admin);
                return text != null && openConnections(text) <= 2;
            }, 30);
            try (TetherClient next = TetherClient.builder().clientId("next").timeout(Duration.ofSeconds(10))
                .connect("tcp://127.0.0.1:" + port)) {
                assertThat(next.request("echo", ByteString.copyFromUtf8("in")).get(10, TimeUnit.SECONDS)
                    .getPayload().toStringUtf8()).isEqualTo("in");
            }
        } finally {
            first.close();
        }
        assertThat(read(log)).doesNotContain("Too many open files");
        assertThat(server.isAlive()).isTrue();
    }

    private static long refused(int admin) {
        final String text = metrics(admin);
        if (text == null) {
            return 0;
        }
        final Matcher m = Pattern.compile("tether_server_connections_refused[^\\n]*reason=\"open_files\"[^\\n]* (\\d+)")
            .matcher(text);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static long openConnections(String text) {
        final Matcher m = Pattern.compile("(?m)^tether_server_active_connections (\\d+)").matcher(text);
        long sum = 0;
        while (m.find()) {
            sum += Long.parseLong(m.group(1));
        }
        return sum;
    }

    private static String metrics(int admin) {
        try {
            final HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + admin + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Whether the server closed the socket (end of stream) rather than keeping it open without a word. */
    private static boolean closedByServer(Socket s) throws IOException {
        s.setSoTimeout(10_000);
        try (InputStream in = s.getInputStream()) {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }
}
