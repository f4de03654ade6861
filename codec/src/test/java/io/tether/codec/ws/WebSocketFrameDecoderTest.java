package io.tether.codec.ws;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.tether.codec.ws.TestFrames.closePayload;
import static io.tether.codec.ws.TestFrames.concat;
import static io.tether.codec.ws.TestFrames.frame;
import static io.tether.codec.ws.TestFrames.hex;
import static io.tether.codec.ws.TestFrames.masked;
import static io.tether.codec.ws.TestFrames.unmasked;
import static io.tether.codec.ws.TestFrames.utf8;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_BINARY;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_CLOSE;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_CONTINUATION;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_PING;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_PONG;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_TEXT;
import static org.assertj.core.api.Assertions.assertThat;

/** One test per rule of RFC 6455 sections 5 to 7, each asserting the close code a peer would see. */
class WebSocketFrameDecoderTest {
    private static final byte[] ABC = {0x0a, 0x0b, 0x0c};

    @Test
    void shouldDeliverMaskedBinaryToServer() {
        assertThat(DecoderHarness.server().feed(masked(OPCODE_BINARY, true, ABC)).events())
            .containsExactly("binary:0a0b0c");
    }

    @Test
    void shouldRefuseUnmaskedClientFrameWith1002() {
        assertThat(DecoderHarness.server().feed(unmasked(OPCODE_BINARY, true, ABC)).events())
            .containsExactly("error:1002");
    }

    @Test
    void shouldRefuseMaskedServerFrameWith1002() {
        assertThat(DecoderHarness.client().feed(masked(OPCODE_BINARY, true, ABC)).events())
            .containsExactly("error:1002");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void shouldRefuseRsvBitsWith1002(final int rsv) {
        final byte[] frame = frame(true, rsv, OPCODE_BINARY, TestFrames.KEY, true, ABC, -1);
        assertThat(DecoderHarness.server().feed(frame).events()).containsExactly("error:1002");
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF})
    void shouldRefuseReservedOpcodesWith1002(final int opcode) {
        assertThat(DecoderHarness.server().feed(masked(opcode, true, ABC)).events()).containsExactly("error:1002");
    }

    @Test
    void shouldRefuseContinuationWithoutMessageWith1002() {
        assertThat(DecoderHarness.server().feed(masked(OPCODE_CONTINUATION, true, ABC)).events())
            .containsExactly("error:1002");
    }

    @Test
    void shouldRefuseNewDataFrameDuringFragmentedMessageWith1002() {
        final byte[] stream = concat(masked(OPCODE_BINARY, false, ABC), masked(OPCODE_TEXT, true, utf8("x")));
        assertThat(DecoderHarness.server().feed(stream).events()).containsExactly("error:1002");
    }

    @ParameterizedTest
    @ValueSource(ints = {OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG})
    void shouldRefuseFragmentedControlFrameWith1002(final int opcode) {
        assertThat(DecoderHarness.server().feed(masked(opcode, false, new byte[0])).events())
            .containsExactly("error:1002");
    }

    @ParameterizedTest
    @ValueSource(ints = {OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG})
    void shouldRefuseControlFrameOver125BytesWith1002(final int opcode) {
        final byte[] payload = concat(closePayload(1000, new byte[0]), new byte[124]);
        assertThat(DecoderHarness.server().feed(masked(opcode, true, payload)).events()).containsExactly("error:1002");
    }

    @Test
    void shouldAcceptControlFrameOfExactly125Bytes() {
        assertThat(DecoderHarness.server().feed(masked(OPCODE_PING, true, new byte[125])).events())
            .containsExactly("ping:" + "00".repeat(125));
    }

    @Test
    void shouldRefuse64BitLengthWithTopBitSetWith1002() {
        // Header only: the decoder must refuse before any payload arrives.
        final byte[] header = hex("82 FF 80 00 00 00 00 00 00 05 37 FA 21 3D");
        final DecoderHarness harness = DecoderHarness.server().feed(header);
        assertThat(harness.events()).containsExactly("error:1002");
        assertThat(harness.decoder.errorCode()).isEqualTo(1002);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 8})
    void shouldAcceptNonMinimalLengthEncodings(final int lengthBytes) {
        final byte[] frame = frame(true, 0, OPCODE_BINARY, TestFrames.KEY, true, ABC, lengthBytes);
        assertThat(DecoderHarness.server().feed(frame).events()).containsExactly("binary:0a0b0c");
    }

    @Test
    void shouldRefuseOversizedMessageFromHeaderAloneWith1009() {
        final DecoderHarness harness = new DecoderHarness(WebSocketRole.SERVER, 1024, TextPolicy.VALIDATE);
        // 64-bit length 2^31, and no payload at all: the refusal comes from the header.
        harness.feed(hex("82 FF 00 00 00 00 80 00 00 00 37 FA 21 3D"));
        assertThat(harness.events()).containsExactly("error:1009");
        assertThat(harness.decoder.isMidMessage()).isFalse();
    }

    @Test
    void shouldAcceptMessageOfExactlyTheMaximumSize() {
        final DecoderHarness harness = new DecoderHarness(WebSocketRole.SERVER, 200, TextPolicy.VALIDATE);
        harness.feed(masked(OPCODE_BINARY, false, new byte[150])).feed(masked(OPCODE_CONTINUATION, true, new byte[50]));
        assertThat(harness.events()).containsExactly("binary:" + "00".repeat(200));
    }

    @Test
    void shouldRefuseFragmentsSummingOverTheMaximumWith1009() {
        final DecoderHarness harness = new DecoderHarness(WebSocketRole.SERVER, 200, TextPolicy.VALIDATE);
        harness.feed(masked(OPCODE_BINARY, false, new byte[150]));
        // Only the next fragment's header is in when the refusal must come.
        harness.feed(hex("00 B3 37 FA 21 3D"));
        assertThat(harness.events()).containsExactly("error:1009");
    }

    @Test
    void shouldRefuseTextWith1003WhenPolicyRefusesIt() {
        final DecoderHarness harness = new DecoderHarness(WebSocketRole.SERVER, 1024, TextPolicy.REFUSE);
        assertThat(harness.feed(masked(OPCODE_TEXT, true, utf8("hi"))).events()).containsExactly("error:1003");
    }

    @Test
    void shouldDeliverValidTextWhenValidating() {
        assertThat(DecoderHarness.server().feed(masked(OPCODE_TEXT, true, utf8("h\u00e9llo \u20ac \uD83D\uDE00"))).events())
            .containsExactly("text:h\u00e9llo \u20ac \uD83D\uDE00");
    }

    @Test
    void shouldRefuseInvalidTextWith1007() {
        assertThat(DecoderHarness.server().feed(masked(OPCODE_TEXT, true, hex("48 C0 80"))).events())
            .containsExactly("error:1007");
    }

    @Test
    void shouldReportCloseCodeAndReason() {
        final byte[] close = masked(OPCODE_CLOSE, true, closePayload(1001, utf8("going \u00e0 bientôt")));
        final DecoderHarness harness = DecoderHarness.server().feed(close);
        assertThat(harness.events()).containsExactly("close:1001:going \u00e0 bientôt");
        assertThat(harness.decoder.state()).isEqualTo(WebSocketFrameDecoder.State.CLOSED);
    }

    @Test
    void shouldReportNoStatusForEmptyClose() {
        assertThat(DecoderHarness.server().feed(masked(OPCODE_CLOSE, true, new byte[0])).events())
            .containsExactly("close:1005:");
    }

    @Test
    void shouldRefuseCloseWithOneBytePayloadWith1002() {
        assertThat(DecoderHarness.server().feed(masked(OPCODE_CLOSE, true, new byte[] {3})).events())
            .containsExactly("error:1002");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535})
    void shouldRefuseInvalidCloseCodesWith1002(final int code) {
        final byte[] close = masked(OPCODE_CLOSE, true, closePayload(code, new byte[0]));
        assertThat(DecoderHarness.server().feed(close).events()).containsExactly("error:1002");
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4000, 4999})
    void shouldAcceptValidCloseCodes(final int code) {
        final byte[] close = masked(OPCODE_CLOSE, true, closePayload(code, utf8("r")));
        assertThat(DecoderHarness.server().feed(close).events()).containsExactly("close:" + code + ":r");
    }

    @Test
    void shouldRefuseCloseReasonThatIsNotUtf8With1007() {
        final byte[] close = masked(OPCODE_CLOSE, true, closePayload(1000, hex("61 ED A0 80")));
        assertThat(DecoderHarness.server().feed(close).events()).containsExactly("error:1007");
    }

    @Test
    void shouldHandOutPingPayloadForThePong() {
        final byte[] stream = concat(masked(OPCODE_PING, true, ABC), masked(OPCODE_PONG, true, new byte[0]));
        assertThat(DecoderHarness.server().feed(stream).events()).containsExactly("ping:0a0b0c", "pong:");
    }

    @Test
    void shouldReportErrorOnceAndConsumeNothingAfterIt() {
        final byte[] good = masked(OPCODE_BINARY, true, ABC);
        final byte[] bad = unmasked(OPCODE_BINARY, true, ABC);
        final RecordingListener listener = new RecordingListener();
        final WebSocketFrameDecoder fresh = new WebSocketFrameDecoder(WebSocketRole.SERVER, 1024, TextPolicy.VALIDATE, listener);
        final ByteBuffer in = ByteBuffer.wrap(concat(good, bad, good));

        assertThat(fresh.decode(in)).isEqualTo(good.length);
        assertThat(in.position()).isEqualTo(good.length);
        assertThat(fresh.decode(in)).isZero();
        assertThat(fresh.decode(ByteBuffer.wrap(good))).isZero();
        assertThat(listener.events).containsExactly("binary:0a0b0c", "error:1002");
        assertThat(fresh.state()).isEqualTo(WebSocketFrameDecoder.State.CORRUPT);
    }

    @Test
    void shouldConsumeNothingAfterClose() {
        final byte[] close = masked(OPCODE_CLOSE, true, closePayload(1000, new byte[0]));
        final RecordingListener listener = new RecordingListener();
        final WebSocketFrameDecoder decoder = new WebSocketFrameDecoder(WebSocketRole.SERVER, 1024, TextPolicy.VALIDATE, listener);
        final ByteBuffer in = ByteBuffer.wrap(concat(close, masked(OPCODE_BINARY, true, ABC)));

        assertThat(decoder.decode(in)).isEqualTo(close.length);
        assertThat(decoder.decode(in)).isZero();
        assertThat(listener.events).containsExactly("close:1000:");
    }

    @Test
    void shouldLeaveIncompleteFrameUnconsumedAndSayHowLongItIs() {
        final byte[] frame = masked(OPCODE_BINARY, true, new byte[300]);
        final WebSocketFrameDecoder decoder = new WebSocketFrameDecoder(
            WebSocketRole.SERVER, 1024, TextPolicy.VALIDATE, new RecordingListener());
        final ByteBuffer in = ByteBuffer.wrap(frame, 0, 10);

        assertThat(decoder.decode(in)).isZero();
        assertThat(in.position()).isZero();
        assertThat(decoder.pendingFrameLength()).isEqualTo(frame.length);

        assertThat(decoder.decode(ByteBuffer.wrap(frame, 0, 1))).isZero();
        assertThat(decoder.pendingFrameLength()).isZero();
    }

    @Test
    void shouldReadLengthsBigEndianWhateverTheBufferOrder() {
        final byte[] frame = masked(OPCODE_BINARY, true, new byte[300]);
        final RecordingListener listener = new RecordingListener();
        final WebSocketFrameDecoder decoder = new WebSocketFrameDecoder(WebSocketRole.SERVER, 1024, TextPolicy.VALIDATE, listener);
        final ByteBuffer in = ByteBuffer.allocateDirect(frame.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        in.put(frame).flip();

        assertThat(decoder.decode(in)).isEqualTo(frame.length);
        assertThat(listener.events).containsExactly("binary:" + "00".repeat(300));
    }
}
