package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tether.codec.proto.Frame;
import io.tether.codec.proto.Hello;
import io.tether.codec.proto.Request;
import io.tether.codec.proto.Response;
import io.tether.codec.proto.Welcome;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Metric;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real WebSocket peers against a {@code ws://} listener: each upgrades offering {@code tether.v1}, sends Hello,
 * gets a Welcome and has a payload echoed. The Node, Python and browser peers encode and decode tether frames by
 * hand (peers/tether-wire.js, peers/ws_client.py), so the wire contract is checked against the .proto rather than
 * against tether's own codec; the JDK peer uses the protobuf-java classes generated from it.
 */
class WebSocketPeersTest {
    static final Duration PEER_TIMEOUT = Duration.ofSeconds(20);

    private TetherServer server;
    private String url;

    @BeforeEach
    void startServer() {
        server = TetherServer.builder().config(TestServers.config("listen", "ws://127.0.0.1:0/tether")).start();
        url = "ws://127.0.0.1:" + TestServers.address(server).getPort() + "/tether";
    }

    @AfterEach
    void stopServer() {
        server.shutdown(Duration.ofSeconds(1));
    }

    @Test
    void shouldServeNodeWs() {
        try (Peer peer = Peer.node("echo", url, "hello from node")) {
            assertEchoed(peer.nextResult(PEER_TIMEOUT), "hello from node");
        }
    }

    @Test
    void shouldServePythonWebsockets() {
        try (Peer peer = Peer.python("echo", url, "hello from python")) {
            assertEchoed(peer.nextResult(PEER_TIMEOUT), "hello from python");
        }
    }

    @Test
    void shouldServeTheJdkWebSocketClient() throws Exception {
        final MessageQueue messages = new MessageQueue();
        final WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
            .subprotocols(io.tether.codec.ws.UpgradePolicy.TETHER_SUBPROTOCOL)
            .buildAsync(URI.create(url), messages)
            .get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(ws.getSubprotocol()).isEqualTo("tether.v1");

        send(ws, Frame.newBuilder().setHello(Hello.newBuilder().setClientId("jdk")).build());
        final Welcome welcome = messages.next().getWelcome();
        assertThat(welcome.getSessionId()).hasSize(22);
        assertThat(welcome.getResumeToken().size()).isPositive();

        send(ws, Frame.newBuilder().setRequest(Request.newBuilder().setId(7).setMethod("echo")
            .setPayload(ByteString.copyFromUtf8("hello from the jdk"))).build());
        final Response response = messages.next().getResponse();
        assertThat(response.getId()).isEqualTo(7);
        assertThat(response.getStatus()).isZero();
        assertThat(response.getPayload().toStringUtf8()).isEqualTo("hello from the jdk");

        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(messages.closeCode.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
            .as("close code the server echoed").isEqualTo(WebSocket.NORMAL_CLOSURE);
        assertThat(server.counters().total(Metric.SESSIONS_OPENED)).isEqualTo(1);
    }

    @Test
    void shouldServeHeadlessChromium(@TempDir Path profile) throws Exception {
        final CompletableFuture<String> posted = new CompletableFuture<>();
        final HttpServer pages = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        pages.createContext("/", exchange -> servePeerFile(exchange, posted));
        pages.start();
        final String page = "http://127.0.0.1:" + pages.getAddress().getPort() + "/ws-client.html?ws="
            + URLEncoder.encode(url, StandardCharsets.UTF_8) + "&payload="
            + URLEncoder.encode("hello from chromium", StandardCharsets.UTF_8);
        try (Peer chromium = Peer.start("chromium", Map.of(), List.of("/usr/bin/chromium", "--headless",
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile, page))) {
            final String result = chromium.awaitOrExit(posted, PEER_TIMEOUT);
            assertEchoed(Peer.parseJson(result), "hello from chromium");
        } finally {
            pages.stop(0);
            removeSingletonDirectory(profile);
        }
    }

    /** Chromium keeps its profile lock and socket in a /tmp directory of its own, linked from the profile. */
    private static void removeSingletonDirectory(Path profile) throws IOException {
        final Path link = profile.resolve("SingletonSocket");
        if (!Files.isSymbolicLink(link)) {
            return;
        }
        final Path directory = Files.readSymbolicLink(link).getParent();
        if (directory != null && directory.getFileName().toString().startsWith("org.chromium.")) {
            try (var files = Files.walk(directory)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** GET serves the page and its script from peers/; POST /result completes {@code posted} with the body. */
    private static void servePeerFile(HttpExchange exchange, CompletableFuture<String> posted) throws IOException {
        try (exchange) {
            final String path = exchange.getRequestURI().getPath();
            if (exchange.getRequestMethod().equals("POST") && path.equals("/result")) {
                posted.complete(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                exchange.sendResponseHeaders(204, -1);
                return;
            }
            final String name = path.substring(1);
            if (!name.equals("ws-client.html") && !name.equals("tether-wire.js")) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            final byte[] body = Files.readAllBytes(Peer.script(name));
            exchange.getResponseHeaders().set("Content-Type",
                name.endsWith(".html") ? "text/html; charset=utf-8" : "text/javascript; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private void assertEchoed(Map<String, String> result, String payload) {
        assertThat(result).as("peer result")
            .containsEntry("subprotocol", "tether.v1")
            .containsEntry("status", "0")
            .containsEntry("payload", payload)
            .containsEntry("error", null)
            .containsEntry("heartbeatMs", "30000");
        assertThat(result.get("sessionId")).as("session id").hasSize(22);
        assertThat(server.counters().total(Metric.SESSIONS_OPENED)).isEqualTo(1);
        assertThat(server.counters().total(Metric.REQUESTS)).isEqualTo(1);
        assertThat(server.counters().total(Metric.PROTOCOL_ERRORS)).isZero();
    }

    private static void send(WebSocket ws, Frame frame) throws Exception {
        ws.sendBinary(ByteBuffer.wrap(frame.toByteArray()), true).get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Joins binary message parts and queues each whole message as a parsed Frame. */
    private static final class MessageQueue implements WebSocket.Listener {
        final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        private final LinkedBlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
        private final ByteArrayOutputStream parts = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            final byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            parts.writeBytes(bytes);
            if (last) {
                try {
                    frames.add(Frame.parseFrom(parts.toByteArray()));
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    closeCode.completeExceptionally(e);
                }
                parts.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closeCode.completeExceptionally(error);
        }

        Frame next() throws InterruptedException {
            final Frame frame = frames.poll(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertThat(frame).as("a frame from the server within " + PEER_TIMEOUT).isNotNull();
            return frame;
        }
    }

    /**
     * An external peer process. Its stdout lines are read on a thread of their own; its stderr goes to a file that a
     * failure message quotes. A tool that is missing fails the test: scripts/setup-peers installs them all.
     */
    static final class Peer implements AutoCloseable {
        private static final String EXITED = "\u0000exited";
        private static final Pattern JSON_FIELD =
            Pattern.compile("\"(\\w+)\"\\s*:\\s*(?:\"((?:[^\"\\\\]|\\\\.)*)\"|([^,}\\s]+))");

        private final String name;
        private final Process process;
        private final Path stderr;
        private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();

        private Peer(String name, Process process, Path stderr) {
            this.name = name;
            this.process = process;
            this.stderr = stderr;
            Thread.ofVirtual().name("peer-" + name).start(this::readLines);
        }

        /** peers/ws-client.js under Node, with Debian's node modules (node-ws) on NODE_PATH. */
        static Peer node(String... args) {
            final List<String> command = new ArrayList<>(List.of(onPath("node", "nodejs"),
                script("ws-client.js").toString()));
            command.addAll(List.of(args));
            return start("node ws", Map.of("NODE_PATH", "/usr/share/nodejs"), command);
        }

        /** peers/ws_client.py under /usr/bin/python3, the interpreter python3-websockets is installed for. */
        static Peer python(String... args) {
            final List<String> command = new ArrayList<>(List.of("/usr/bin/python3", "-u",
                script("ws_client.py").toString()));
            command.addAll(List.of(args));
            return start("python websockets", Map.of(), command);
        }

        static Peer start(String name, Map<String, String> env, List<String> command) {
            if (!Files.isExecutable(Path.of(command.get(0)))) {
                fail(name + ": " + command.get(0) + " is missing; scripts/setup-peers installs it");
            }
            try {
                final Path stderr = Files.createTempFile("tether-peer-", ".stderr");
                final ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectError(stderr.toFile());
                builder.environment().putAll(env);
                return new Peer(name, builder.start(), stderr);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + name + ": " + command, e);
            }
        }

        static Path script(String fileName) {
            final var resource = WebSocketPeersTest.class.getResource("/peers/" + fileName);
            if (resource == null) {
                fail("test resource peers/" + fileName + " is missing");
            }
            try {
                return Path.of(resource.toURI());
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }

        private static String onPath(String command, String debianPackage) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
                final Path candidate = Path.of(dir, command);
                if (Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
            return fail(command + " is not on PATH (Debian package " + debianPackage
                + "); scripts/setup-peers installs it");
        }

        private void readLines() {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process went away; EXITED below says so
            }
            lines.add(EXITED);
        }

        /** The next JSON object line the peer prints, as a flat map (JSON null is null). */
        Map<String, String> nextResult(Duration timeout) {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                final String line;
                try {
                    line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(name + ": interrupted");
                }
                if (line == null) {
                    return fail(name + " printed no result within " + timeout + describe());
                }
                if (line.equals(EXITED)) {
                    lines.add(EXITED);
                    return fail(name + " ended without a result" + describe());
                }
                if (line.startsWith("{")) {
                    return parseJson(line);
                }
            }
        }

        /** Waits for {@code result}, failing early when the process ends first. */
        <T> T awaitOrExit(CompletableFuture<T> result, Duration timeout) throws Exception {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    return result.get(100, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    if (!process.isAlive()) {
                        return fail(name + " ended without a result" + describe());
                    }
                }
            }
            return fail(name + " reported no result within " + timeout + describe());
        }

        /** Writes one line to the peer's stdin. */
        void tell(String line) {
            try {
                final OutputStream in = process.getOutputStream();
                in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                in.flush();
            } catch (IOException e) {
                fail(name + ": cannot write to its stdin: " + e + describe());
            }
        }

        static Map<String, String> parseJson(String line) {
            final Map<String, String> fields = new HashMap<>();
            final Matcher m = JSON_FIELD.matcher(line);
            while (m.find()) {
                final String raw = m.group(3);
                fields.put(m.group(1), m.group(2) != null ? m.group(2).replaceAll("\\\\(.)", "$1")
                    : raw.equals("null") ? null : raw);
            }
            return fields;
        }

        private String describe() {
            String err;
            try {
                err = Files.readString(stderr).strip();
            } catch (IOException e) {
                err = "(unreadable: " + e + ")";
            }
            final String exit = process.isAlive() ? "still running" : "exit code " + process.exitValue();
            return " (" + exit + "; stderr: " + (err.length() > 2000 ? err.substring(0, 2000) + "..." : err) + ")";
        }

        @Override
        public void close() {
            final List<ProcessHandle> children = process.descendants().toList(); // chromium's renderers, say
            children.forEach(ProcessHandle::destroy);
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    children.forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
                Files.deleteIfExists(stderr);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // a temp file left behind is harmless
            }
        }
    }
}
