package io.tether.codec.ws;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClientHandshakeTest {

    private static ClientHandshake handshake() {
        return new ClientHandshake("server.example.com:8080", "/chat?room=7", List.of("tether.v1", "chat"),
            "https://app.example.com", new SplittableRandom(42));
    }

    @Test
    void shouldWriteARequestTheServerAccepts() {
        final ClientHandshake client = handshake();
        final ServerHandshake server = new ServerHandshake(UpgradePolicy.forPath("/chat"));
        assertThat(server.decode(ByteBuffer.wrap(client.request()))).isTrue();
        final UpgradeAccepted accepted = (UpgradeAccepted) server.result();
        assertThat(accepted.subprotocol()).isEqualTo("tether.v1");
        assertThat(accepted.origin()).isEqualTo("https://app.example.com");

        assertThat(client.decode(ByteBuffer.wrap(accepted.response()))).isTrue();
        assertThat(client.result()).isInstanceOf(ClientUpgradeResult.Upgraded.class);
        assertThat(((ClientUpgradeResult.Upgraded) client.result()).subprotocol()).isEqualTo("tether.v1");
    }

    @Test
    void shouldUseAFreshValidKeyPerHandshake() {
        final ClientHandshake first = ClientHandshake.forTether("h", "/");
        final ClientHandshake second = ClientHandshake.forTether("h", "/");
        assertThat(WebSocketAccept.isValidKey(first.key())).isTrue();
        assertThat(first.key()).isNotEqualTo(second.key());
        assertThat(new String(first.request(), StandardCharsets.US_ASCII))
            .startsWith("GET / HTTP/1.1\r\nHost: h\r\n")
            .contains("Sec-WebSocket-Key: " + first.key() + "\r\n", "Sec-WebSocket-Version: 13\r\n",
                "Sec-WebSocket-Protocol: tether.v1\r\n")
            .endsWith("\r\n\r\n");
    }

    @Test
    void shouldRefuseAWrongAcceptValue() {
        final ClientHandshake client = handshake();
        final String response = switching(WebSocketAccept.of(ServerHandshakeTest.RFC_KEY), null);
        assertThat(failed(client, response)).isEqualTo(new ClientUpgradeResult.Failed(101, "Sec-WebSocket-Accept does not match the key"));
    }

    @Test
    void shouldRefuseASubprotocolThatWasNotOffered() {
        final ClientHandshake client = handshake();
        assertThat(failed(client, switching(WebSocketAccept.of(client.key()), "other")).status()).isEqualTo(101);
    }

    @Test
    void shouldAcceptAnAnswerWithoutSubprotocol() {
        final ClientHandshake client = handshake();
        assertThat(client.decode(buffer(switching(WebSocketAccept.of(client.key()), null)))).isTrue();
        assertThat(((ClientUpgradeResult.Upgraded) client.result()).subprotocol()).isNull();
    }

    @Test
    void shouldRefuseAnExtensionThatWasNotOffered() {
        final ClientHandshake client = handshake();
        final String response = switching(WebSocketAccept.of(client.key()), null)
            .replace("\r\n\r\n", "\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n");
        assertThat(failed(client, response).reason()).contains("extension");
    }

    @Test
    void shouldRefuseAMissingUpgradeHeader() {
        final ClientHandshake client = handshake();
        final String response = switching(WebSocketAccept.of(client.key()), null).replace("Upgrade: websocket\r\n", "");
        assertThat(failed(client, response).status()).isEqualTo(101);
    }

    @Test
    void shouldReportTheServersErrorStatus() {
        final byte[] notFound = new UpgradeRejected(404, "no WebSocket endpoint at /x").response();
        assertThat(failed(handshake(), new String(notFound, StandardCharsets.UTF_8)).status()).isEqualTo(404);
        assertThat(failed(handshake(), "HTTP/1.1 10x Nope\r\n\r\n").status()).isZero();
        assertThat(failed(handshake(), "HTTP/1.0 101 Switching Protocols\r\n\r\n").status()).isZero();
    }

    @Test
    void shouldParseSplitResponseAndLeaveFramesAfterItInTheBuffer() {
        final ClientHandshake client = handshake();
        final byte[] head = switching(WebSocketAccept.of(client.key()), "chat").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < head.length; i++) { // one byte per read
            assertThat(client.decode(ByteBuffer.wrap(head, i, 1))).isEqualTo(i == head.length - 1);
        }
        assertThat(((ClientUpgradeResult.Upgraded) client.result()).subprotocol()).isEqualTo("chat");

        final ClientHandshake whole = handshake();
        final ByteBuffer both = ByteBuffer.wrap(TestFrames.concat(
            switching(WebSocketAccept.of(whole.key()), null).getBytes(StandardCharsets.US_ASCII), TestFrames.hex("81 00")));
        assertThat(whole.decode(both)).isTrue();
        assertThat(both.remaining()).isEqualTo(2);
    }

    @Test
    void shouldRefuseHeaderInjectionInArguments() {
        assertThatThrownBy(() -> new ClientHandshake("h\r\nX: y", "/", List.of(), null, new SplittableRandom()))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClientHandshake("h", "no-slash", List.of(), null, new SplittableRandom()))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClientHandshake("h", "/", List.of("a b"), null, new SplittableRandom()))
            .isInstanceOf(IllegalArgumentException.class);
    }

    private static String switching(final String accept, final String subprotocol) {
        return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
            + accept + "\r\n" + (subprotocol == null ? "" : "Sec-WebSocket-Protocol: " + subprotocol + "\r\n") + "\r\n";
    }

    private static ClientUpgradeResult.Failed failed(final ClientHandshake client, final String response) {
        assertThat(client.decode(buffer(response))).isTrue();
        assertThat(client.result()).isInstanceOf(ClientUpgradeResult.Failed.class);
        return (ClientUpgradeResult.Failed) client.result();
    }

    private static ByteBuffer buffer(final String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }
}
