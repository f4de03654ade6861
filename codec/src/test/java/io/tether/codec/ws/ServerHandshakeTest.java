package io.tether.codec.ws;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

class ServerHandshakeTest {
    static final String RFC_KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    static final String RFC_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
    private static final UpgradePolicy POLICY = UpgradePolicy.forPath("/chat");

    static String request(final String... extraLines) {
        final StringBuilder request = new StringBuilder("GET /chat?room=7 HTTP/1.1\r\n")
            .append("Host: server.example.com\r\n")
            .append("Upgrade: websocket\r\n")
            .append("Connection: Upgrade\r\n")
            .append("Sec-WebSocket-Key: ").append(RFC_KEY).append("\r\n")
            .append("Sec-WebSocket-Version: 13\r\n");
        for (final String line : extraLines) {
            request.append(line).append("\r\n");
        }
        return request.append("\r\n").toString();
    }

    @Test
    void shouldComputeTheRfcAcceptValue() {
        assertThat(WebSocketAccept.of(RFC_KEY)).isEqualTo(RFC_ACCEPT);
    }

    @Test
    void shouldAcceptTheRfcRequestAndAnswer101() {
        final UpgradeAccepted accepted = accept(POLICY, request(
            "Origin: http://example.com", "Sec-WebSocket-Protocol: chat, tether.v1", "X-Forwarded-For: 10.0.0.1",
            "X-Forwarded-For: 10.0.0.2", "Sec-WebSocket-Extensions: permessage-deflate"));

        assertThat(accepted.path()).isEqualTo("/chat");
        assertThat(accepted.query()).isEqualTo("room=7");
        assertThat(accepted.subprotocol()).isEqualTo("tether.v1");
        assertThat(accepted.origin()).isEqualTo("http://example.com");
        assertThat(accepted.forwardedFor()).isEqualTo("10.0.0.1, 10.0.0.2");
        assertThat(accepted.header("HOST")).isEqualTo("server.example.com");
        assertThat(new String(accepted.response(), StandardCharsets.US_ASCII)).isEqualTo(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + RFC_ACCEPT + "\r\nSec-WebSocket-Protocol: tether.v1\r\n\r\n");
    }

    @Test
    void shouldMatchUpgradeAndConnectionAsCaseInsensitiveTokensInLists() {
        final String request = request().replace("Upgrade: websocket", "upgrade:  h2c , WebSocket ")
            .replace("Connection: Upgrade", "CONNECTION: keep-alive,UPGRADE");
        assertThat(accept(POLICY, request).path()).isEqualTo("/chat");
    }

    @Test
    void shouldSelectNoSubprotocolWhenNoneOfferedMatches() {
        final UpgradeAccepted accepted = accept(POLICY, request("Sec-WebSocket-Protocol: chat, TETHER.V1"));
        assertThat(accepted.subprotocol()).isNull();
        assertThat(new String(accepted.response(), StandardCharsets.US_ASCII)).doesNotContain("Sec-WebSocket-Protocol");
    }

    @Test
    void shouldSelectInTheServersOrderOfPreference() {
        final UpgradePolicy policy = POLICY.withSubprotocols("b", "a");
        assertThat(accept(policy, request("Sec-WebSocket-Protocol: a", "Sec-WebSocket-Protocol: b")).subprotocol())
            .isEqualTo("b");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "POST method                 | POST /chat HTTP/1.1      | 400",
        "HTTP/1.0                    | GET /chat HTTP/1.0       | 400",
        "HTTP/2.0                    | GET /chat HTTP/2.0       | 400",
        "two spaces                  | GET  /chat HTTP/1.1      | 400",
        "no version                  | GET /chat                | 400",
        "absolute form               | GET http://h/chat HTTP/1.1 | 400",
        "unknown path                | GET /other HTTP/1.1      | 404",
        "path prefix                 | GET /chat/x HTTP/1.1     | 404"})
    void shouldRefuseBadRequestLines(final String name, final String requestLine, final int status) {
        assertThat(reject(POLICY, request().replace("GET /chat?room=7 HTTP/1.1", requestLine)).status()).isEqualTo(status);
    }

    static Stream<Arguments> badHeaders() {
        final String host = "Host: server.example.com\r\n";
        final String upgrade = "Upgrade: websocket\r\n";
        final String connection = "Connection: Upgrade\r\n";
        final String version = "Sec-WebSocket-Version: 13\r\n";
        final String key = "Sec-WebSocket-Key: " + RFC_KEY + "\r\n";
        return Stream.of(
            Arguments.of("no Host", host, "", 400),
            Arguments.of("two Hosts", host, "Host: a\r\nHost: b\r\n", 400),
            Arguments.of("no Upgrade", upgrade, "", 400),
            Arguments.of("Upgrade not websocket", upgrade, "Upgrade: websockets\r\n", 400),
            Arguments.of("no Connection", connection, "", 400),
            Arguments.of("Connection keep-alive", connection, "Connection: keep-alive\r\n", 400),
            Arguments.of("version 8", version, "Sec-WebSocket-Version: 8\r\n", 426),
            Arguments.of("no version", version, "", 426),
            Arguments.of("two versions", version, version + "Sec-WebSocket-Version: 8\r\n", 426),
            Arguments.of("no key", key, "", 400),
            Arguments.of("key of 15 bytes", key, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=\r\n", 400),
            Arguments.of("key of 17 bytes", key, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZXg=\r\n", 400),
            Arguments.of("key not base64", key, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j*Q==\r\n", 400),
            Arguments.of("two keys", key, key + key, 400),
            Arguments.of("space before colon", host, "Host : server.example.com\r\n", 400),
            Arguments.of("empty name", host, ": server.example.com\r\n", 400),
            Arguments.of("folded header", upgrade, upgrade + " x\r\n", 400),
            Arguments.of("control character", upgrade, "Upgrade: web\u0001socket\r\n", 400),
            Arguments.of("bare CR", upgrade, "Upgrade: websocket\rX: y\r\n", 400));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badHeaders")
    void shouldRefuseBadHeaders(final String name, final String line, final String replacement, final int status) {
        final String request = request();
        assertThat(request).contains(line);
        assertThat(reject(POLICY, request.replace(line, replacement)).status()).as(name).isEqualTo(status);
    }

    @Test
    void shouldAnswer426WithTheSupportedVersion() {
        final UpgradeRejected rejected = reject(POLICY, request().replace("Version: 13", "Version: 8"));
        assertThat(new String(rejected.response(), StandardCharsets.UTF_8)).isEqualTo(
            "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: 30\r\nConnection: close\r\n\r\nWebSocket version 13 required\n");
    }

    @Test
    void shouldRefuseOriginsOutsideTheAllowList() {
        final UpgradePolicy policy = POLICY.withAllowedOrigins("https://app.example.com");
        assertThat(reject(policy, request("Origin: https://evil.example.com")).status()).isEqualTo(403);
        assertThat(accept(policy, request("Origin: HTTPS://APP.example.com")).origin()).isEqualTo("HTTPS://APP.example.com");
        assertThat(accept(policy, request()).origin()).isNull();
        assertThat(new String(reject(policy, request("Origin: null")).response(), StandardCharsets.US_ASCII))
            .startsWith("HTTP/1.1 403 Forbidden\r\n").contains("Connection: close\r\n").contains("Content-Length: 19\r\n");
    }

    @Test
    void shouldRefuseHeadsOver8KibWith431() {
        final String padding = "X-Padding: " + "p".repeat(8200);
        assertThat(reject(POLICY, request(padding)).status()).isEqualTo(431);
    }

    @Test
    void shouldAcceptAHeadOfExactly8Kib() {
        final int base = request("X-Padding: ").length();
        final String exact = request("X-Padding: " + "p".repeat(HttpHeadParser.MAX_HEAD_LENGTH - base));
        assertThat(exact).hasSize(HttpHeadParser.MAX_HEAD_LENGTH);
        assertThat(accept(POLICY, exact).path()).isEqualTo("/chat");
        final String over = request("X-Padding: " + "p".repeat(HttpHeadParser.MAX_HEAD_LENGTH - base + 1));
        assertThat(reject(POLICY, over).status()).isEqualTo(431);
    }

    @Test
    void shouldStopAt8KibOfAHeadThatNeverEnds() {
        final ServerHandshake handshake = new ServerHandshake(POLICY);
        final ByteBuffer endless = ByteBuffer.wrap(("GET /chat HTTP/1.1\r\nX: " + "a".repeat(20_000)).getBytes(StandardCharsets.US_ASCII));
        assertThat(handshake.decode(endless)).isTrue();
        assertThat(endless.position()).isEqualTo(HttpHeadParser.MAX_HEAD_LENGTH);
        assertThat(((UpgradeRejected) handshake.result()).status()).isEqualTo(431);
    }

    @Test
    void shouldGiveTheSameResultWhereverTheRequestIsSplit() {
        final byte[] bytes = request("Sec-WebSocket-Protocol: tether.v1").getBytes(StandardCharsets.US_ASCII);
        for (int cut = 0; cut <= bytes.length; cut++) {
            final ServerHandshake handshake = new ServerHandshake(POLICY);
            assertThat(handshake.decode(ByteBuffer.wrap(Arrays.copyOf(bytes, cut)))).isEqualTo(cut == bytes.length);
            handshake.decode(ByteBuffer.wrap(Arrays.copyOfRange(bytes, cut, bytes.length)));
            final UpgradeAccepted accepted = (UpgradeAccepted) handshake.result();
            assertThat(accepted.accept()).as("split at %d", cut).isEqualTo(RFC_ACCEPT);
            assertThat(accepted.subprotocol()).isEqualTo("tether.v1");
        }
    }

    @Test
    void shouldLeaveBytesAfterTheHeadInTheBuffer() {
        final byte[] head = request().getBytes(StandardCharsets.US_ASCII);
        final ByteBuffer in = ByteBuffer.wrap(TestFrames.concat(head, new byte[] {(byte) 0x82, (byte) 0x80}));
        final ServerHandshake handshake = new ServerHandshake(POLICY);
        assertThat(handshake.decode(in)).isTrue();
        assertThat(in.position()).isEqualTo(head.length);
        assertThat(in.remaining()).isEqualTo(2);
    }

    @Test
    void shouldAcceptBareLineFeedsAndLeadingEmptyLines() {
        final String request = "\r\n" + request().replace("\r\n", "\n");
        assertThat(accept(POLICY, request).accept()).isEqualTo(RFC_ACCEPT);
    }

    static UpgradeAccepted accept(final UpgradePolicy policy, final String request) {
        final UpgradeResult result = decode(policy, request);
        assertThat(result).isInstanceOf(UpgradeAccepted.class);
        return (UpgradeAccepted) result;
    }

    static UpgradeRejected reject(final UpgradePolicy policy, final String request) {
        final UpgradeResult result = decode(policy, request);
        assertThat(result).isInstanceOf(UpgradeRejected.class);
        return (UpgradeRejected) result;
    }

    private static UpgradeResult decode(final UpgradePolicy policy, final String request) {
        final ServerHandshake handshake = new ServerHandshake(policy);
        assertThat(handshake.decode(ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1)))).isTrue();
        return handshake.result();
    }
}
