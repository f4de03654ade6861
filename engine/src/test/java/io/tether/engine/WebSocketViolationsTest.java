package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tether.codec.ws.WebSocketCloseCode;
import io.tether.engine.config.ConfigBinder;
import io.tether.telemetry.Metric;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Protocol violations sent over a raw socket (hand-written upgrade and frames), each answered with the exact close
 * code of RFC 6455 section 7.4 (or, for a bad upgrade, the HTTP status). One server serves every test, and a
 * well-behaved tether client and echo client are checked after each one: a violation costs only its own connection.
 */
class WebSocketViolationsTest {
    private static final String TETHER = "/tether";
    private static final String ECHO = "/echo";

    private static TetherServer server;
    private static TetherClient wellBehaved;
    private static RawWebSocket wellBehavedEcho;
    private static int rounds;

    @BeforeAll
    static void startServer() throws IOException {
        server = TetherServer.builder().config(ConfigBinder.bind(Map.of(
            "listen", List.of("ws://127.0.0.1:0" + TETHER, "ws+echo://127.0.0.1:0" + ECHO),
            "io-threads", List.of("2"),
            "max-frame-size", List.of("1KiB"),
            "handshake-timeout", List.of("300ms")))).start();
        wellBehaved = TetherClient.builder().clientId("well-behaved").connect(url(TETHER));
        wellBehavedEcho = RawWebSocket.open(address(ECHO), ECHO);
    }

    @AfterAll
    static void stopServer() {
        if (wellBehavedEcho != null) {
            wellBehavedEcho.close();
        }
        if (wellBehaved != null) {
            wellBehaved.close();
        }
        server.shutdown(Duration.ofSeconds(1));
    }

    @AfterEach
    void shouldStillServeWellBehavedClients() throws Exception {
        final String text = "still here " + ++rounds;
        assertThat(wellBehaved.request("echo", ByteString.copyFromUtf8(text)).get(5, TimeUnit.SECONDS)
            .getPayload().toStringUtf8()).isEqualTo(text);
        wellBehavedEcho.send(0x81, utf8(text));
        assertThat(wellBehavedEcho.read()).isEqualTo(RawWebSocket.Frame.of(0x81, utf8(text)));
    }

    static InetSocketAddress address(String path) {
        return server.boundAddresses().get(path.equals(TETHER) ? 0 : 1);
    }

    private static String url(String path) {
        return "ws://127.0.0.1:" + address(path).getPort() + path;
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static long total(Metric metric) {
        return server.counters().total(metric);
    }

    // ---- frame violations: a close frame with the code, then the server closes TCP

    /** What a test sends after the upgrade, and the close code the server must answer with. */
    record Violation(String name, String path, byte[] bytes, int closeCode) {
        @Override
        public String toString() {
            return name + " on " + path + " -> " + closeCode;
        }
    }

    static Stream<Violation> violations() {
        final List<Violation> v = new ArrayList<>();
        final int protocol = WebSocketCloseCode.PROTOCOL_ERROR;
        for (String path : List.of(ECHO, TETHER)) {
            v.add(new Violation("unmasked client frame", path, RawWebSocket.frame(0x82, false, utf8("hi")), protocol));
            v.add(new Violation("RSV1 set", path, masked(0xC2, "hi"), protocol));
            v.add(new Violation("RSV2 set", path, masked(0xA2, "hi"), protocol));
            v.add(new Violation("RSV3 set", path, masked(0x92, "hi"), protocol));
            v.add(new Violation("reserved data opcode 0x3", path, masked(0x83, "hi"), protocol));
            v.add(new Violation("reserved control opcode 0xB", path, masked(0x8B, "hi"), protocol));
            v.add(new Violation("ping over 125 bytes", path, masked(0x89, "p".repeat(126)), protocol));
            v.add(new Violation("fragmented ping", path, masked(0x09, "p"), protocol));
            v.add(new Violation("continuation without a start", path, masked(0x80, "x"), protocol));
            v.add(new Violation("new data frame during a fragmented message", path,
                concat(masked(0x02, "a"), masked(0x82, "b")), protocol));
            v.add(new Violation("64-bit length with the top bit set", path,
                new byte[] {(byte) 0x82, (byte) 0xFF, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0}, protocol));
            v.add(new Violation("message over max-frame-size, header only", path,
                new byte[] {(byte) 0x82, (byte) 0xFE, 0x04, 0x01}, WebSocketCloseCode.MESSAGE_TOO_BIG));
            v.add(new Violation("4 GiB message, header only", path,
                new byte[] {(byte) 0x82, (byte) 0xFF, 0, 0, 0, 1, 0, 0, 0, 0}, WebSocketCloseCode.MESSAGE_TOO_BIG));
            v.add(new Violation("fragment taking the message over max-frame-size, header only", path,
                concat(masked(0x02, "a".repeat(600)), new byte[] {(byte) 0x80, (byte) 0xFE, 0x02, 0x58}),
                WebSocketCloseCode.MESSAGE_TOO_BIG));
            for (int code : new int[] {999, 1004, 1005, 1006, 1015, 1016, 2999, 5000}) {
                v.add(new Violation("close code " + code, path, close(code, new byte[0]), protocol));
            }
            v.add(new Violation("close with a 1-byte payload", path, RawWebSocket.frame(0x88, true, new byte[] {3}),
                protocol));
            v.add(new Violation("close reason not UTF-8", path, close(1000, new byte[] {(byte) 0xC3, 0x28}),
                WebSocketCloseCode.INVALID_PAYLOAD));
        }
        v.add(new Violation("text message in tether mode", TETHER, masked(0x81, "hello"),
            WebSocketCloseCode.UNSUPPORTED_DATA));
        final int invalid = WebSocketCloseCode.INVALID_PAYLOAD;
        v.add(new Violation("text not UTF-8", ECHO, masked(0x81, new byte[] {'a', (byte) 0xC3, 0x28}), invalid));
        v.add(new Violation("text with an overlong encoding", ECHO, masked(0x81, new byte[] {(byte) 0xC0, (byte) 0xAF}),
            invalid));
        v.add(new Violation("text with a surrogate", ECHO,
            masked(0x81, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}), invalid));
        v.add(new Violation("text ending inside a code point", ECHO,
            concat(masked(0x01, new byte[] {'a', (byte) 0xE2}), masked(0x80, new byte[] {(byte) 0x82})), invalid));
        v.add(new Violation("text whose code point breaks across fragments", ECHO,
            concat(masked(0x01, new byte[] {'a', (byte) 0xE2}), masked(0x80, new byte[] {'b'})), invalid));
        return v.stream();
    }

    @ParameterizedTest
    @MethodSource("violations")
    void shouldCloseWithTheExactCodeOnEveryViolation(Violation violation) throws IOException {
        final long errors = total(Metric.PROTOCOL_ERRORS);
        try (RawWebSocket ws = RawWebSocket.open(address(violation.path()), violation.path())) {
            ws.write(violation.bytes());
            final RawWebSocket.Frame close = ws.read();
            assertThat(close.opcode()).as("the server's first frame is its close").isEqualTo(RawWebSocket.CLOSE);
            assertThat(close.closeCode()).isEqualTo(violation.closeCode());
            assertThat(ws.readsEndOfStream()).as("the server closes TCP after its close frame").isTrue();
        }
        assertThat(total(Metric.PROTOCOL_ERRORS)).isEqualTo(errors + 1);
    }

    private static byte[] masked(int b0, String payload) {
        return masked(b0, utf8(payload));
    }

    private static byte[] masked(int b0, byte[] payload) {
        return RawWebSocket.frame(b0, true, payload);
    }

    private static byte[] close(int code, byte[] reason) {
        final byte[] payload = new byte[2 + reason.length];
        payload[0] = (byte) (code >>> 8);
        payload[1] = (byte) code;
        System.arraycopy(reason, 0, payload, 2, reason.length);
        return masked(0x88, payload);
    }

    static byte[] concat(byte[]... parts) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    // ---- what is allowed

    @Test
    void shouldAcceptACodePointSplitAcrossFragments() throws IOException {
        final byte[] text = utf8("h\u20ACllo \uD83D\uDE00"); // a 3-byte and a 4-byte code point
        try (RawWebSocket ws = RawWebSocket.open(address(ECHO), ECHO)) {
            ws.send(0x01, Arrays.copyOfRange(text, 0, 2)); // 'h' and the first byte of the euro sign
            ws.send(0x00, Arrays.copyOfRange(text, 2, 9)); // its other two, "llo ", two bytes of the emoji
            ws.send(0x80, Arrays.copyOfRange(text, 9, text.length));
            assertThat(ws.read()).isEqualTo(RawWebSocket.Frame.of(0x81, text));
        }
    }

    @Test
    void shouldEchoFragmentedBinaryAndAnswerAnInterleavedPing() throws IOException {
        try (RawWebSocket ws = RawWebSocket.open(address(ECHO), ECHO)) {
            ws.send(0x02, utf8("abc"));
            ws.send(0x89, utf8("are you there"));
            ws.send(0x80, utf8("def"));
            assertThat(ws.read()).isEqualTo(RawWebSocket.Frame.of(0x8A, utf8("are you there")));
            assertThat(ws.read()).isEqualTo(RawWebSocket.Frame.of(0x82, utf8("abcdef")));
        }
    }

    @Test
    void shouldAcceptAMessageOfExactlyMaxFrameSize() throws IOException {
        final byte[] payload = new byte[1024];
        ThreadLocalRandom.current().nextBytes(payload);
        try (RawWebSocket ws = RawWebSocket.open(address(ECHO), ECHO)) {
            ws.send(0x02, Arrays.copyOfRange(payload, 0, 1000));
            ws.send(0x80, Arrays.copyOfRange(payload, 1000, 1024));
            assertThat(ws.read()).isEqualTo(RawWebSocket.Frame.of(0x82, payload));
        }
    }

    // ---- the close handshake

    @ParameterizedTest
    @ValueSource(ints = {1000, 1001, 3000, 4999})
    void shouldEchoTheClientsCloseCodeThenCloseTcp(int code) throws IOException {
        for (String path : List.of(ECHO, TETHER)) {
            try (RawWebSocket ws = RawWebSocket.open(address(path), path)) {
                ws.write(close(code, utf8("bye")));
                final RawWebSocket.Frame answer = ws.read();
                assertThat(answer.opcode()).as(path).isEqualTo(RawWebSocket.CLOSE);
                assertThat(answer.closeCode()).as(path).isEqualTo(code);
                assertThat(ws.readsEndOfStream()).as(path + ": TCP closed after the close handshake").isTrue();
            }
        }
    }

    @Test
    void shouldAnswerAnEmptyCloseWithAnEmptyClose() throws IOException {
        try (RawWebSocket ws = RawWebSocket.open(address(ECHO), ECHO)) {
            ws.send(0x88, new byte[0]);
            assertThat(ws.read()).isEqualTo(RawWebSocket.Frame.of(0x88, new byte[0]));
            assertThat(ws.readsEndOfStream()).isTrue();
        }
    }

    // ---- the opening handshake

    @Test
    void shouldAnswerVersion12With426NamingVersion13() throws IOException {
        final RawWebSocket.HttpHead head = refused(ECHO, RawWebSocket.upgradeRequest(ECHO, RawWebSocket.newKey(),
            "Sec-WebSocket-Version: 12"));
        assertThat(head.status()).isEqualTo(426);
        assertThat(head.header("Sec-WebSocket-Version")).isEqualTo("13");
    }

    @Test
    void shouldAnswerAnUnknownPathWith404() throws IOException {
        assertThat(refused(ECHO, RawWebSocket.upgradeRequest("/elsewhere", RawWebSocket.newKey())).status())
            .isEqualTo(404);
        assertThat(refused(TETHER, RawWebSocket.upgradeRequest(ECHO, RawWebSocket.newKey())).status())
            .as("another listener's path").isEqualTo(404);
    }

    @Test
    void shouldAnswerAHeadOver8KiBWith431() throws IOException {
        final String filler = "X-Filler: " + "a".repeat(9000);
        assertThat(refused(ECHO, RawWebSocket.upgradeRequest(ECHO, RawWebSocket.newKey(), filler)).status())
            .isEqualTo(431);
    }

    @Test
    void shouldAnswerPostWith400() throws IOException {
        final String post = RawWebSocket.upgradeRequest(ECHO, RawWebSocket.newKey()).replaceFirst("^GET", "POST");
        assertThat(refused(ECHO, post).status()).isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"not base64!", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZSE=", ""})
    void shouldAnswerABadKeyWith400(String key) throws IOException {
        assertThat(refused(ECHO, RawWebSocket.upgradeRequest(ECHO, key)).status()).isEqualTo(400);
    }

    private static RawWebSocket.HttpHead refused(String listener, String request) throws IOException {
        final long errors = total(Metric.PROTOCOL_ERRORS);
        try (RawWebSocket ws = RawWebSocket.connect(address(listener))) {
            ws.write(request.getBytes(StandardCharsets.ISO_8859_1));
            final RawWebSocket.HttpHead head = ws.readHead();
            assertThat(head.header("Content-Length")).isNotNull();
            ws.readBody(Integer.parseInt(head.header("Content-Length")));
            assertThat(ws.readsEndOfStream()).as("the server closes after refusing").isTrue();
            assertThat(total(Metric.PROTOCOL_ERRORS)).isEqualTo(errors + 1);
            return head;
        }
    }

    @Test
    void shouldDeclinePermessageDeflateBySilence() throws IOException {
        try (RawWebSocket ws = RawWebSocket.connect(address(ECHO))) {
            final String key = RawWebSocket.newKey();
            ws.write(RawWebSocket.upgradeRequest(ECHO, key,
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits").getBytes(StandardCharsets.US_ASCII));
            final RawWebSocket.HttpHead head = ws.readHead();
            assertThat(head.status()).isEqualTo(101);
            assertThat(head.header("Sec-WebSocket-Accept")).isEqualTo(RawWebSocket.accept(key));
            assertThat(head.header("Sec-WebSocket-Extensions")).isNull();
            ws.send(0x82, utf8("uncompressed"));
            assertThat(ws.read()).isEqualTo(RawWebSocket.Frame.of(0x82, utf8("uncompressed")));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {ECHO, TETHER})
    void shouldCloseAnUpgradeNeverFinishedAfterTheHandshakeTimeout(String path) throws IOException {
        final long timeouts = total(Metric.HANDSHAKE_TIMEOUTS);
        try (RawWebSocket ws = RawWebSocket.connect(address(path))) {
            final String request = RawWebSocket.upgradeRequest(path, RawWebSocket.newKey());
            ws.write(request.substring(0, request.length() / 2).getBytes(StandardCharsets.US_ASCII));
            final long start = System.nanoTime();
            assertThat(ws.readsEndOfStream()).as("closed without an answer").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(250),
                Duration.ofMillis(1900));
        }
        assertThat(total(Metric.HANDSHAKE_TIMEOUTS)).isEqualTo(timeouts + 1);
    }

    /**
     * A WebSocket client on a plain blocking socket, writing the upgrade and frames by hand: it can send what no
     * library would. Reads time out after five seconds.
     */
    static final class RawWebSocket implements AutoCloseable {
        static final int CLOSE = 0x8;
        static final int PING = 0x9;
        private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

        private final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;

        private RawWebSocket(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        static RawWebSocket connect(InetSocketAddress address) throws IOException {
            final Socket socket = new Socket(address.getAddress(), address.getPort());
            socket.setSoTimeout(5_000);
            socket.setTcpNoDelay(true);
            return new RawWebSocket(socket);
        }

        /** Connects and upgrades (offering tether.v1), checking the 101 answer. */
        static RawWebSocket open(InetSocketAddress address, String path) throws IOException {
            final RawWebSocket ws = connect(address);
            final String key = newKey();
            ws.write(upgradeRequest(path, key, "Sec-WebSocket-Protocol: tether.v1").getBytes(StandardCharsets.US_ASCII));
            final HttpHead head = ws.readHead();
            assertThat(head.status()).as("upgrade of " + path).isEqualTo(101);
            assertThat(head.header("Sec-WebSocket-Accept")).isEqualTo(accept(key));
            return ws;
        }

        static String newKey() {
            final byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            return Base64.getEncoder().encodeToString(nonce);
        }

        static String accept(String key) {
            try {
                return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A valid upgrade request; a header in {@code extra} replaces the default of the same name. */
        static String upgradeRequest(String path, String key, String... extra) {
            final List<String> headers = new ArrayList<>(List.of("Host: 127.0.0.1", "Upgrade: websocket",
                "Connection: Upgrade", "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"));
            for (String header : extra) {
                final String name = header.substring(0, header.indexOf(':') + 1).toLowerCase(Locale.ROOT);
                headers.removeIf(h -> h.toLowerCase(Locale.ROOT).startsWith(name));
                headers.add(header);
            }
            return "GET " + path + " HTTP/1.1\r\n" + String.join("\r\n", headers) + "\r\n\r\n";
        }

        /** One frame with first byte {@code b0} (FIN, RSV, opcode), masked with a random key when asked. */
        static byte[] frame(int b0, boolean masked, byte[] payload) {
            final ByteArrayOutputStream frame = new ByteArrayOutputStream();
            frame.write(b0);
            final int mask = masked ? 0x80 : 0;
            if (payload.length <= 125) {
                frame.write(mask | payload.length);
            } else if (payload.length <= 0xFFFF) {
                frame.write(mask | 126);
                frame.write(payload.length >>> 8);
                frame.write(payload.length);
            } else {
                frame.write(mask | 127);
                for (int shift = 56; shift >= 0; shift -= 8) {
                    frame.write((int) ((long) payload.length >>> shift));
                }
            }
            final byte[] key = new byte[4];
            if (masked) {
                ThreadLocalRandom.current().nextBytes(key);
                frame.writeBytes(key);
            }
            for (int i = 0; i < payload.length; i++) {
                frame.write(payload[i] ^ key[i & 3]);
            }
            return frame.toByteArray();
        }

        void write(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** Sends one masked frame, as a client must. */
        void send(int b0, byte[] payload) throws IOException {
            write(frame(b0, true, payload));
        }

        /** An HTTP response head: the status line and header lines. */
        record HttpHead(int status, List<String> lines) {
            String header(String name) {
                final String prefix = name.toLowerCase(Locale.ROOT) + ":";
                return lines.stream().filter(l -> l.toLowerCase(Locale.ROOT).startsWith(prefix))
                    .map(l -> l.substring(prefix.length()).strip()).findFirst().orElse(null);
            }
        }

        HttpHead readHead() throws IOException {
            final ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (true) {
                head.write(in.readUnsignedByte());
                final byte[] b = head.toByteArray();
                final int n = b.length;
                if (n >= 4 && b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n') {
                    final List<String> lines = List.of(new String(b, 0, n - 4, StandardCharsets.ISO_8859_1)
                        .split("\r\n"));
                    assertThat(lines.get(0)).startsWith("HTTP/1.1 ");
                    return new HttpHead(Integer.parseInt(lines.get(0).substring(9, 12)), lines);
                }
            }
        }

        byte[] readBody(int length) throws IOException {
            return in.readNBytes(length);
        }

        /** One frame from the server, which must not be masked. */
        Frame read() throws IOException {
            final int b0 = in.readUnsignedByte();
            final int b1 = in.readUnsignedByte();
            assertThat(b1 & 0x80).as("server frames are not masked").isZero();
            long length = b1 & 0x7F;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            assertThat(length).as("frame length").isBetween(0L, 1L << 20);
            final byte[] payload = new byte[(int) length];
            in.readFully(payload);
            return new Frame(b0, payload);
        }

        /** Whether the server closes the connection (a read sees the end of the stream) within the read timeout. */
        boolean readsEndOfStream() throws IOException {
            try {
                return in.read() < 0;
            } catch (java.net.SocketException e) {
                return e.getMessage() != null && e.getMessage().contains("reset");
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // nothing left to release
            }
        }

        /** A frame as received: its first byte (FIN, RSV, opcode) and its payload. */
        record Frame(int b0, byte[] payload) {
            static Frame of(int b0, byte[] payload) {
                return new Frame(b0, payload);
            }

            int opcode() {
                return b0 & 0x0F;
            }

            int closeCode() {
                assertThat(opcode()).isEqualTo(CLOSE);
                assertThat(payload.length).as("close payload length").isGreaterThanOrEqualTo(2);
                return (payload[0] & 0xFF) << 8 | (payload[1] & 0xFF);
            }

            @Override
            public boolean equals(Object o) {
                return o instanceof Frame f && f.b0 == b0 && Arrays.equals(f.payload, payload);
            }

            @Override
            public int hashCode() {
                return 31 * b0 + Arrays.hashCode(payload);
            }

            @Override
            public String toString() {
                return String.format("frame 0x%02X %d bytes %s", b0, payload.length,
                    new String(payload, StandardCharsets.UTF_8));
            }
        }
    }
}
