package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tether.codec.GoodbyeCode;
import io.tether.codec.proto.Frame;
import io.tether.codec.proto.Hello;
import io.tether.codec.proto.Request;
import io.tether.codec.ws.WebSocketCloseCode;
import io.tether.engine.WebSocketRawClientTest.RawWebSocket;
import io.tether.engine.client.TetherClient;
import io.tether.engine.config.ConfigBinder;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Metric;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
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

    @ParameterizedTest
    @ValueSource(strings = {"tether.v1", "chat, tether.v1", "chat", ""})
    void shouldSelectTetherV1OnlyWhereItIsOfferedAndServed(String offered) throws IOException {
        final String[] offer = offered.isEmpty() ? new String[0] : new String[] {"Sec-WebSocket-Protocol: " + offered};
        final String expected = offered.contains("tether.v1") ? "tether.v1" : null;
        for (String path : List.of(TETHER, ECHO)) {
            try (RawWebSocket ws = RawWebSocket.connect(address(path))) {
                ws.write(RawWebSocket.upgradeRequest(path, RawWebSocket.newKey(), offer)
                    .getBytes(StandardCharsets.US_ASCII));
                final RawWebSocket.HttpHead head = ws.readHead();
                assertThat(head.status()).isEqualTo(101);
                assertThat(head.header("Sec-WebSocket-Protocol")).as(path + " offered '" + offered + "'")
                    .isEqualTo(path.equals(TETHER) ? expected : null);
            }
        }
    }

    @Test
    void shouldReadFramesThatCameInTheSameWriteAsTheUpgrade() throws IOException {
        try (RawWebSocket ws = RawWebSocket.connect(address(TETHER))) {
            ws.write(concat(upgrade(TETHER), masked(0x82, hello("eager"))));
            assertThat(ws.readHead().status()).isEqualTo(101);
            assertThat(Frame.parseFrom(ws.read().payload()).getWelcome().getSessionId()).hasSize(22);
        }
        try (RawWebSocket ws = RawWebSocket.connect(address(ECHO))) {
            ws.write(concat(upgrade(ECHO), masked(0x81, "one"), masked(0x82, "two"), masked(0x89, "three")));
            assertThat(ws.readHead().status()).isEqualTo(101);
            assertThat(ws.read()).isEqualTo(RawWebSocket.Frame.of(0x81, utf8("one")));
            assertThat(ws.read()).isEqualTo(RawWebSocket.Frame.of(0x82, utf8("two")));
            assertThat(ws.read()).isEqualTo(RawWebSocket.Frame.of(0x8A, utf8("three")));
        }
    }

    private static byte[] upgrade(String path) {
        return RawWebSocket.upgradeRequest(path, RawWebSocket.newKey()).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] hello(String clientId) {
        return Frame.newBuilder().setHello(Hello.newBuilder().setClientId(clientId)).build().toByteArray();
    }

    /** Tether-level violations inside valid WebSocket messages, and what the server says before it closes. */
    static Stream<Arguments> tetherViolations() {
        final byte[] request = Frame.newBuilder().setRequest(Request.newBuilder().setId(1).setMethod("echo"))
            .build().toByteArray();
        return Stream.of(
            Arguments.of("not a Frame", List.of(new byte[] {(byte) 0xFF, 1, 2}),
                GoodbyeCode.INVALID_FRAME),
            Arguments.of("a Request before Hello", List.of(request),
                GoodbyeCode.PROTOCOL_ERROR),
            Arguments.of("Hello twice", List.of(hello("a"), hello("a")),
                GoodbyeCode.PROTOCOL_ERROR));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("tetherViolations")
    void shouldSayGoodbyeThenCloseWithTheSameCodeOnTetherViolations(String name, List<byte[]> messages, int code)
        throws IOException {
        final long errors = total(Metric.PROTOCOL_ERRORS);
        try (RawWebSocket ws = RawWebSocket.open(address(TETHER), TETHER)) {
            for (byte[] message : messages) {
                ws.send(0x82, message);
            }
            RawWebSocket.Frame frame = ws.read();
            if (messages.size() > 1) {
                assertThat(Frame.parseFrom(frame.payload()).hasWelcome()).as("welcome to the first Hello").isTrue();
                frame = ws.read();
            }
            assertThat(Frame.parseFrom(frame.payload()).getGoodbye().getCode()).as("Goodbye code").isEqualTo(code);
            assertThat(ws.read().closeCode()).isEqualTo(code);
            assertThat(ws.readsEndOfStream()).isTrue();
        }
        assertThat(total(Metric.PROTOCOL_ERRORS)).isEqualTo(errors + 1);
    }

    @Test
    void shouldSayGoodbyeToAnUpgradedSessionThatSendsNoHelloInTime() throws IOException {
        final long timeouts = total(Metric.HANDSHAKE_TIMEOUTS);
        try (RawWebSocket ws = RawWebSocket.open(address(TETHER), TETHER)) {
            assertThat(Frame.parseFrom(ws.read().payload()).getGoodbye().getCode())
                .isEqualTo(GoodbyeCode.HANDSHAKE_TIMEOUT);
            assertThat(ws.read().closeCode()).isEqualTo(GoodbyeCode.HANDSHAKE_TIMEOUT);
            assertThat(ws.readsEndOfStream()).isTrue();
        }
        assertThat(total(Metric.HANDSHAKE_TIMEOUTS)).isEqualTo(timeouts + 1);
    }

    @Test
    void shouldDeclinePermessageDeflateBySilence() throws IOException {
        try (RawWebSocket ws = RawWebSocket.connect(address(ECHO))) {
            final String key = RawWebSocket.newKey();
            ws.write(RawWebSocket.upgradeRequest(ECHO, key, "Sec-WebSocket-Extensions: permessage-deflate; "
                + "client_max_window_bits").getBytes(StandardCharsets.US_ASCII));
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
}
