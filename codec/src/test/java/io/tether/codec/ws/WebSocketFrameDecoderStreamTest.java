package io.tether.codec.ws;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;

import static io.tether.codec.ws.TestFrames.closePayload;
import static io.tether.codec.ws.TestFrames.concat;
import static io.tether.codec.ws.TestFrames.hex;
import static io.tether.codec.ws.TestFrames.masked;
import static io.tether.codec.ws.TestFrames.unmasked;
import static io.tether.codec.ws.TestFrames.utf8;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_BINARY;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_CLOSE;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_CONTINUATION;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_PING;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_TEXT;
import static org.assertj.core.api.Assertions.assertThat;

/** Whole streams: the RFC's examples, every split point, fragmentation, allocation on the hot path. */
class WebSocketFrameDecoderStreamTest {

    @Test
    void shouldDecodeRfcSection57Examples() {
        assertThat(DecoderHarness.client().feed(hex("81 05 48 65 6c 6c 6f")).events()).containsExactly("text:Hello");
        assertThat(DecoderHarness.server().feed(hex("81 85 37 fa 21 3d 7f 9f 4d 51 58")).events())
            .containsExactly("text:Hello");
        assertThat(DecoderHarness.client().feed(hex("01 03 48 65 6c 80 02 6c 6f")).events()).containsExactly("text:Hello");
        assertThat(DecoderHarness.client().feed(hex("89 05 48 65 6c 6c 6f")).events()).containsExactly("ping:48656c6c6f");
        assertThat(DecoderHarness.server().feed(hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58")).events())
            .containsExactly("pong:48656c6c6f");
        final byte[] b256 = concat(hex("82 7E 01 00"), new byte[256]);
        assertThat(DecoderHarness.client().feed(b256).events()).containsExactly("binary:" + "00".repeat(256));
        final byte[] b64k = concat(hex("82 7F 00 00 00 00 00 01 00 00"), new byte[65536]);
        assertThat(DecoderHarness.client().feed(b64k).events()).containsExactly("binary:" + "00".repeat(65536));
    }

    @Test
    void shouldDeliverFragmentedMessageWithInterleavedPings() {
        final byte[] stream = concat(
            masked(OPCODE_BINARY, false, hex("01 02")),
            masked(OPCODE_PING, true, hex("aa")),
            masked(OPCODE_CONTINUATION, false, hex("03")),
            masked(OPCODE_PING, true, hex("bb")),
            masked(OPCODE_CONTINUATION, true, hex("04 05")));
        assertThat(DecoderHarness.server().feed(stream).events())
            .containsExactly("ping:aa", "ping:bb", "binary:0102030405");
    }

    @Test
    void shouldReleaseReassemblyBufferAfterTheMessage() {
        final DecoderHarness harness = DecoderHarness.server().feed(masked(OPCODE_BINARY, false, hex("01")));
        assertThat(harness.decoder.isMidMessage()).isTrue();
        harness.feed(masked(OPCODE_CONTINUATION, true, hex("02")));
        assertThat(harness.decoder.isMidMessage()).isFalse();
        assertThat(harness.events()).containsExactly("binary:0102");
    }

    @Test
    void shouldDecodeTheSameEventsWhereverTheStreamIsSplit() {
        // The euro sign E2 82 AC is split across fragments; a ping sits between them.
        final byte[] stream = concat(
            masked(OPCODE_BINARY, true, new byte[200]),
            masked(OPCODE_TEXT, false, hex("61 E2 82")),
            masked(OPCODE_PING, true, utf8("p")),
            masked(OPCODE_CONTINUATION, true, hex("AC 62")),
            masked(OPCODE_BINARY, true, hex("ff")),
            masked(OPCODE_CLOSE, true, closePayload(1000, utf8("bye"))));
        final List<String> expected = List.of(
            "binary:" + "00".repeat(200), "ping:70", "text:a\u20acb", "binary:ff", "close:1000:bye");

        assertThat(DecoderHarness.server().feed(stream).events()).isEqualTo(expected);
        for (int cut = 0; cut <= stream.length; cut++) {
            assertThat(DecoderHarness.server().feedSplit(stream, cut).events()).as("split at %d", cut).isEqualTo(expected);
        }
        for (int cut = 0; cut + 7 <= stream.length; cut++) {
            assertThat(DecoderHarness.server().feedSplit(stream, cut, cut + 7).events()).as("cuts at %d", cut)
                .isEqualTo(expected);
        }
        final DecoderHarness byteByByte = DecoderHarness.server();
        for (final byte b : stream) {
            byteByByte.feed(new byte[] {b});
        }
        assertThat(byteByByte.events()).isEqualTo(expected);
    }

    @Test
    void shouldFailSplitStreamAtTheSameFrameAsWholeStream() {
        final byte[] stream = concat(masked(OPCODE_BINARY, true, hex("01")), unmasked(OPCODE_BINARY, true, hex("02")));
        for (int cut = 0; cut <= stream.length; cut++) {
            assertThat(DecoderHarness.server().feedSplit(stream, cut).events()).as("split at %d", cut)
                .containsExactly("binary:01", "error:1002");
        }
    }

    @Test
    void shouldAcceptCodePointSplitAcrossFragments() {
        // U+1F600 is F0 9F 98 80, cut after each of its first three bytes.
        for (int cut = 1; cut < 4; cut++) {
            final byte[] emoji = hex("F0 9F 98 80");
            final byte[] stream = concat(
                masked(OPCODE_TEXT, false, java.util.Arrays.copyOfRange(emoji, 0, cut)),
                masked(OPCODE_CONTINUATION, true, java.util.Arrays.copyOfRange(emoji, cut, 4)));
            assertThat(DecoderHarness.server().feed(stream).events()).containsExactly("text:\uD83D\uDE00");
        }
    }

    @Test
    void shouldRefuseCodePointTruncatedAtEndOfMessageWith1007() {
        assertThat(DecoderHarness.server().feed(masked(OPCODE_TEXT, true, hex("61 F0 9F 98"))).events())
            .containsExactly("error:1007");
        final byte[] fragmented = concat(masked(OPCODE_TEXT, false, hex("61")), masked(OPCODE_CONTINUATION, true, hex("E2 82")));
        assertThat(DecoderHarness.server().feed(fragmented).events()).containsExactly("error:1007");
    }

    @Test
    void shouldRefuseInvalidTextAtTheFragmentHoldingTheBadByte() {
        // The message is not finished when the decoder must already fail.
        final DecoderHarness harness = DecoderHarness.server()
            .feed(masked(OPCODE_TEXT, false, hex("61")))
            .feed(masked(OPCODE_CONTINUATION, false, hex("ED A0 80")));
        assertThat(harness.events()).containsExactly("error:1007");
    }

    @Test
    void shouldDecodeWholeMessagesWithoutAllocating() {
        final byte[] frame = masked(OPCODE_BINARY, true, new byte[64]);
        final ByteBuffer in = ByteBuffer.allocateDirect(frame.length * 16);
        final long[] delivered = new long[1];
        final WebSocketFrameDecoder decoder = new WebSocketFrameDecoder(WebSocketRole.SERVER, 1 << 16, TextPolicy.VALIDATE,
            new CountingListener(delivered));
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

        decodeRounds(decoder, in, frame, 2_000);
        final long before = threads.getCurrentThreadAllocatedBytes();
        decodeRounds(decoder, in, frame, 20_000);
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertThat(delivered[0]).isEqualTo(22_000L * 16);
        assertThat(allocated).as("bytes allocated for 320k messages").isLessThan(4096);
    }

    private static void decodeRounds(final WebSocketFrameDecoder decoder, final ByteBuffer in, final byte[] frame, final int rounds) {
        for (int round = 0; round < rounds; round++) {
            in.clear();
            for (int i = 0; i < 16; i++) {
                in.put(frame);
            }
            in.flip();
            decoder.decode(in);
        }
    }

    private record CountingListener(long[] delivered) implements WebSocketFrameListener {
        @Override
        public void onBinary(final ByteBuffer payload) {
            delivered[0]++;
        }

        @Override
        public void onText(final ByteBuffer utf8) {
            delivered[0]++;
        }

        @Override
        public void onPing(final ByteBuffer payload) {
        }

        @Override
        public void onPong(final ByteBuffer payload) {
        }

        @Override
        public void onClose(final int code, final String reason) {
        }

        @Override
        public void onError(final int closeCode, final String reason) {
            throw new AssertionError(reason);
        }
    }
}
