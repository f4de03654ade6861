package io.tether.codec.ws;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.concurrent.UnsafeBuffer;

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
        final UnsafeBuffer out = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
        final int at = 7; // somewhere in the middle of a shared buffer
        final int payloadStart = at + client.putHeader(out, at, OPCODE_BINARY, true, payload.length);
        out.putBytes(payloadStart, payload);
        client.maskPayload(out, payloadStart, payload.length);

        final byte[] written = new byte[payloadStart + payload.length - at];
        out.getBytes(at, written);
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
        final UnsafeBuffer out = new UnsafeBuffer(new byte[10]);
        assertThatThrownBy(() -> server.putHeader(out, 0, OPCODE_BINARY, true, 9)).isInstanceOf(BufferOverflowException.class);
        assertThatThrownBy(() -> server.putHeader(out, 3, OPCODE_BINARY, true, 6)).isInstanceOf(BufferOverflowException.class);
        assertThat(out.byteArray()).containsOnly(0);
    }

    @Test
    void shouldRefuseMalformedControlFrames() {
        final UnsafeBuffer out = new UnsafeBuffer(new byte[300]);
        assertThatThrownBy(() -> server.putHeader(out, 0, OPCODE_PING, true, 126)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> server.putHeader(out, 0, OPCODE_CLOSE, false, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> server.putHeader(out, 0, 3, true, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldWriteCloseFrameTheDecoderReadsBack() {
        final ByteBuffer payload = ByteBuffer.allocate(ClosePayload.length("server restarting"));
        ClosePayload.write(payload, 1001, "server restarting");
        final byte[] frame = write(client, OPCODE_CLOSE, true, payload.array());
        assertThat(DecoderHarness.server().feed(frame).events()).containsExactly("close:1001:server restarting");
    }

    @Test
    void shouldMaskEveryPayloadLengthLikeTheByteByByteDefinition() {
        final byte[] payload = new byte[40];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i * 37 + 11);
        }
        for (int length = 0; length <= payload.length; length++) {
            final byte[] part = Arrays.copyOf(payload, length);
            assertThat(write(client, OPCODE_BINARY, true, part)).as("payload of %d bytes", length)
                .isEqualTo(TestFrames.masked(OPCODE_BINARY, true, part));
        }
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
        final UnsafeBuffer out = new UnsafeBuffer(new byte[encoder.frameLength(payload.length)]);
        final int written = encoder.putFrame(out, 0, opcode, fin, new UnsafeBuffer(payload), 0, payload.length);
        assertThat(written).isEqualTo(out.capacity());
        return out.byteArray();
    }
}
