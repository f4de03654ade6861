package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.engine.HandWire.Fields;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server as a client written from tether.proto alone sees it: the client side of every test here is a plain
 * socket and {@link HandWire}, no tether class.
 */
class RawWireTest {
    private final ServerWithRawClients servers = new ServerWithRawClients();

    @AfterEach
    void tearDown() throws IOException {
        servers.close();
    }

    private void start(String... config) {
        servers.start(config);
    }

    private RawClient connect() throws IOException {
        return servers.connect();
    }

    @Test
    void shouldWelcomeAHelloWithASessionIdAResumeTokenAndTheHeartbeat() throws IOException {
        start("heartbeat-interval", "15s");
        final Fields first = connect().hello("raw-1");
        final Fields second = connect().hello("raw-2");

        // resumed=false is proto3's default, so it is not on the wire.
        assertThat(first.numbers()).containsExactly(1, 2, 4);
        assertThat(first.string(1)).matches("[A-Za-z0-9_-]{22}");
        assertThat(first.bytes(2)).hasSize(32);
        assertThat(first.varint(3)).isZero();
        assertThat(first.varint(4)).isEqualTo(15_000);
        assertThat(second.string(1)).matches("[A-Za-z0-9_-]{22}").isNotEqualTo(first.string(1));
        assertThat(second.bytes(2)).hasSize(32).isNotEqualTo(first.bytes(2));
    }

    @Test
    void shouldAnswerAnEchoRequestWithExactlyTheExpectedBytes() throws IOException {
        start();
        final RawClient c = connect();
        c.hello("raw");
        c.sendFrame(HandWire.request(300, "echo", HandWire.utf8("hello")));
        // Response{id=300, payload="hello"}: status 0 and the empty error are defaults, so they are left out.
        final byte[] expected = {
            0x0C,                                   // length prefix: 12 bytes follow
            0x22, 0x0A,                             // Frame.response (field 4, length-delimited), 10 bytes
            0x08, (byte) 0xAC, 0x02,                // id = 300
            0x1A, 0x05, 'h', 'e', 'l', 'l', 'o'};   // payload
        assertThat(c.readExactly(expected.length)).containsExactly(expected);
    }

    @Test
    void shouldAnswerAPingWithAPongOfTheSameNonce() throws IOException {
        start();
        final RawClient c = connect();
        c.hello("raw");
        // A uint64 with its top bit set: ten varint bytes, and negative as a Java long.
        c.sendFrame(HandWire.ping(0xFEDC_BA98_7654_3210L));
        assertThat(c.readExactly(14)).containsExactly(
            0x0D, 0x42, 0x0B, 0x08,
            0x90, 0xE4, 0xD0, 0xB2, 0x87, 0xD3, 0xAE, 0xEE, 0xFE, 0x01);
        // Nonce 0 is the default: an empty Pong.
        c.sendFrame(HandWire.ping(0));
        assertThat(c.readExactly(3)).containsExactly(0x02, 0x42, 0x00);
    }

    @ParameterizedTest
    @ValueSource(strings = {"virtual", "inline"})
    void shouldAnswerOneHundredRequestsSentInOneWriteInOrder(String dispatch) throws IOException {
        start("dispatch", dispatch);
        final RawClient c = connect();
        c.hello("pipeline");
        final ByteArrayOutputStream batch = new ByteArrayOutputStream();
        for (int i = 1; i <= 100; i++) {
            batch.writeBytes(HandWire.delimited(HandWire.request(i, "echo", HandWire.utf8("p" + i))));
        }
        c.send(batch.toByteArray());
        for (int i = 1; i <= 100; i++) {
            final Fields response = c.read(HandWire.RESPONSE);
            assertThat(response.varint(1)).isEqualTo(i);
            assertThat(response.varint(2)).isZero();
            assertThat(response.string(3)).isEqualTo("p" + i);
        }
    }

    @Test
    void shouldAnswerARequestSentOneByteAtATime() throws IOException {
        start();
        final RawClient c = connect();
        for (byte b : HandWire.delimited(HandWire.hello("trickle"))) {
            c.send(new byte[] {b});
        }
        assertThat(c.read(HandWire.WELCOME).string(1)).hasSize(22);
        for (byte b : HandWire.delimited(HandWire.request(7, "echo", HandWire.utf8("one byte at a time")))) {
            c.send(new byte[] {b});
        }
        final Fields response = c.read(HandWire.RESPONSE);
        assertThat(response.varint(1)).isEqualTo(7);
        assertThat(response.string(3)).isEqualTo("one byte at a time");
    }

    @Test
    void shouldAnswerARequestLargerThanOneReadArrivingInPieces() throws IOException {
        start();
        final RawClient c = connect();
        c.hello("large");
        // Larger than the loop's 64 KiB receive buffer, followed by a small request in the same stream.
        final byte[] payload = new byte[200 * 1024 + 17];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i * 31 + (i >>> 8));
        }
        final ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.writeBytes(HandWire.delimited(HandWire.request(1, "echo", payload)));
        stream.writeBytes(HandWire.delimited(HandWire.request(2, "echo", HandWire.utf8("after"))));
        final byte[] bytes = stream.toByteArray();
        // Odd-sized pieces: the length prefix, the body and the next frame all straddle writes.
        for (int at = 0; at < bytes.length; at += 997) {
            c.send(Arrays.copyOfRange(bytes, at, Math.min(at + 997, bytes.length)));
        }
        final Fields large = c.read(HandWire.RESPONSE);
        assertThat(large.varint(1)).isEqualTo(1);
        assertThat(large.bytes(3)).isEqualTo(payload);
        final Fields small = c.read(HandWire.RESPONSE);
        assertThat(small.varint(1)).isEqualTo(2);
        assertThat(small.string(3)).isEqualTo("after");
    }
}
