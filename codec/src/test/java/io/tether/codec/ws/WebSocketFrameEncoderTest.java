package io.tether.codec.ws;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static io.tether.codec.ws.TestFrames.hex;
import static io.tether.codec.ws.TestFrames.utf8;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_BINARY;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_CLOSE;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_CONTINUATION;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_PING;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_PONG;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_TEXT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebSocketFrameEncoderTest {
    private final WebSocketFrameEncoder server = WebSocketFrameEncoder.forServer();
    private final WebSocketFrameEncoder client = WebSocketFrameEncoder.forClient(() -> TestFrames.KEY);

    @Test
    void shouldWriteRfcSection57Examples() {
        assertThat(write(server, OPCODE_TEXT, true, utf8("Hello"))).isEqualTo(hex("81 05 48 65 6c 6c 6f"));
        assertThat(write(client, OPCODE_TEXT, true, utf8("Hello"))).isEqualTo(hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"));
        assertThat(write(server, OPCODE_TEXT, false, utf8("Hel"))).isEqualTo(hex("01 03 48 65 6c"));
        assertThat(write(server, OPCODE_CONTINUATION, true, utf8("lo"))).isEqualTo(hex("80 02 6c 6f"));
        assertThat(write(server, OPCODE_PING, true, utf8("Hello"))).isEqualTo(hex("89 05 48 65 6c 6c 6f"));
        assertThat(write(client, OPCODE_PONG, true, utf8("Hello"))).isEqualTo(hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58"));
        assertThat(Arrays.copyOf(write(server, OPCODE_BINARY, true, new byte[256]), 4)).isEqualTo(hex("82 7E 01 00"));
        assertThat(Arrays.copyOf(write(server, OPCODE_BINARY, true, new byte[65536]), 10))
            .isEqualTo(hex("82 7F 00 00 00 00 00 01 00 00"));
    }

    @Test
    void shouldRoundTripThroughTheDecoderAtEveryLengthForm() {
        for (final int length : new int[] {0, 1, 125, 126, 65535, 65536, 70000}) {
            final byte[] payload = new byte[length];
            Arrays.fill(payload, (byte) 0x5A);
            assertThat(DecoderHarness.server().feed(write(WebSocketFrameEncoder.forClient(), OPCODE_BINARY, true, payload))
                .events()).containsExactly("binary:" + "5a".repeat(length));
            assertThat(DecoderHarness.client().feed(write(server, OPCODE_BINARY, true, payload)).events())
                .containsExactly("binary:" + "5a".repeat(length));
        }
    }

    @Test
    void shouldMaskInPlaceAfterHeaderWrittenIntoOutboundBuffer() {
        final byte[] payload = utf8("encoded straight into the outbound buffer");
        final ByteBuffer out = ByteBuffer.allocateDirect(128).order(ByteOrder.LITTLE_ENDIAN);
        out.position(7); // somewhere in the middle of a shared buffer
        client.writeHeader(out, OPCODE_BINARY, true, payload.length);
        final int payloadStart = out.position();
        out.put(payload);
        client.maskPayload(out, payloadStart, payload.length);

        final byte[] written = new byte[out.position() - 7];
        out.get(7, written);
        assertThat(written).isEqualTo(TestFrames.masked(OPCODE_BINARY, true, payload));
    }

    @Test
    void shouldUseAFreshKeyForEveryClientFrame() {
        final AtomicInteger keys = new AtomicInteger(100);
        final WebSocketFrameEncoder encoder = WebSocketFrameEncoder.forClient(keys::incrementAndGet);
        final byte[] first = write(encoder, OPCODE_BINARY, true, new byte[4]);
        final byte[] second = write(encoder, OPCODE_BINARY, true, new byte[4]);
        assertThat(Arrays.copyOfRange(first, 2, 6)).isEqualTo(hex("00 00 00 65"));
        assertThat(Arrays.copyOfRange(second, 2, 6)).isEqualTo(hex("00 00 00 66"));
    }

    @Test
    void shouldWriteNothingWhenTheFrameDoesNotFit() {
        final ByteBuffer out = ByteBuffer.allocate(10);
        assertThatThrownBy(() -> server.writeHeader(out, OPCODE_BINARY, true, 9)).isInstanceOf(BufferOverflowException.class);
        assertThat(out.position()).isZero();
        assertThat(out.array()).containsOnly(0);
    }

    @Test
    void shouldRefuseMalformedControlFrames() {
        final ByteBuffer out = ByteBuffer.allocate(300);
        assertThatThrownBy(() -> server.writeHeader(out, OPCODE_PING, true, 126)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> server.writeHeader(out, OPCODE_CLOSE, false, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> server.writeHeader(out, 3, true, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldWriteCloseFrameTheDecoderReadsBack() {
        final ByteBuffer out = ByteBuffer.allocate(200);
        client.writeClose(out, 1001, "server restarting");
        assertThat(DecoderHarness.server().feed(Arrays.copyOf(out.array(), out.position())).events())
            .containsExactly("close:1001:server restarting");
    }

    @Test
    void shouldTruncateCloseReasonBetweenCodePoints() {
        assertThat(closeReason("x".repeat(300))).isEqualTo("x".repeat(123));
        assertThat(closeReason("\u00e9".repeat(70))).isEqualTo("\u00e9".repeat(61));
        assertThat(closeReason("\u20ac".repeat(50))).isEqualTo("\u20ac".repeat(41));
        assertThat(closeReason("\uD83D\uDE00".repeat(40))).isEqualTo("\uD83D\uDE00".repeat(30));
        assertThat(closeReason("ab" + "\uD83D\uDE00".repeat(40))).isEqualTo("ab" + "\uD83D\uDE00".repeat(30));
    }

    @Test
    void shouldReplaceUnpairedSurrogatesInCloseReason() {
        final ByteBuffer out = ByteBuffer.allocate(125);
        ClosePayload.write(out, 1000, "a\uD800b");
        assertThat(Arrays.copyOf(out.array(), out.position())).isEqualTo(hex("03 E8 61 EF BF BD 62"));
    }

    @Test
    void shouldRefuseToSendCodesReservedForLocalUse() {
        for (final int code : new int[] {1005, 1006, 1015, 999, 5000}) {
            assertThatThrownBy(() -> ClosePayload.write(ByteBuffer.allocate(125), code, ""))
                .isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static String closeReason(final String reason) {
        final ByteBuffer out = ByteBuffer.allocate(125);
        final int length = ClosePayload.write(out, 1000, reason);
        assertThat(length).isEqualTo(ClosePayload.length(reason)).isLessThanOrEqualTo(125);
        return new String(out.array(), 2, length - 2, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static byte[] write(final WebSocketFrameEncoder encoder, final int opcode, final boolean fin, final byte[] payload) {
        final ByteBuffer out = ByteBuffer.allocate(encoder.frameLength(payload.length));
        final int written = encoder.writeFrame(out, opcode, fin, ByteBuffer.wrap(payload));
        assertThat(written).isEqualTo(out.capacity());
        return out.array();
    }
}
