package io.tether.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.tether.codec.proto.Frame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link FrameDecoder} accepts exactly what protobuf's own {@code Frame.parseFrom(byte[])} accepts, less a Frame with
 * no kind, and refuses everything else with {@link InvalidFrameException}, whatever buffer the bytes are in.
 */
class FrameDecoderTest {
    private static final FrameValues REQUEST = new FrameValues.RequestValues(
        7, "send", ByteString.copyFromUtf8("payload"), WireSamples.ordered("to", "s-2", "topic", "news"));

    @Test
    void shouldDecodeEveryKindFromHeapAndDirectBuffers() {
        final Random random = new Random(0x7E7E_0003L);
        for (int i = 0; i < 300; i++) {
            final FrameValues values = WireSamples.frame(random);
            final Frame expected = values.asReceived().generated();
            final byte[] body = values.encoded();
            for (ByteBuffer buffer : buffersHolding(body)) {
                assertThat(decode(buffer)).as("%s", values).isEqualTo(expected);
            }
            assertThat(decode(body)).isEqualTo(expected);
        }
    }

    @Test
    void shouldReadOnlyBetweenPositionAndLimitAndLeaveThemUnchanged() throws InvalidFrameException {
        final byte[] body = REQUEST.encoded();
        final byte[] surrounded = TcpFramingTest.concat(filled(9, (byte) 0xFF), body, filled(4, (byte) 0xFF));
        final ByteBuffer buffer = ByteBuffer.wrap(surrounded).position(9).limit(9 + body.length);
        assertThat(FrameDecoder.decode(buffer)).isEqualTo(REQUEST.generated());
        assertThat(buffer.position()).isEqualTo(9);
        assertThat(buffer.limit()).isEqualTo(9 + body.length);
        assertThat(FrameDecoder.decode(surrounded, 9, body.length)).isEqualTo(REQUEST.generated());
    }

    @Test
    void shouldCopyBytesFieldsOutOfTheReusedBuffer() {
        final byte[] body = REQUEST.encoded();
        for (ByteBuffer buffer : buffersHolding(body)) {
            final Frame frame = decode(buffer);
            while (buffer.hasRemaining()) {
                buffer.put((byte) 0);
            }
            assertThat(frame.getRequest().getPayload().toStringUtf8()).isEqualTo("payload");
            assertThat(frame.getRequest().getHeadersMap()).containsEntry("to", "s-2");
        }
    }

    @Test
    void shouldRefuseAFrameWithNoKind() {
        assertRefused(new byte[0]);
        // Only fields this version does not know: a newer peer's frame kind.
        assertRefused(hex("800105"));
        assertRefused(hex("82010568656c6c6f"));
    }

    @Test
    void shouldRefuseGarbage() {
        final String[] garbage = {
            "ff", "00", "0000", "07", "0e", "0f", "0b", "3a", "3a05", "3a0a0801", "1a0208",
            "ffffffffffffffffffff01", "3a02ff", "0a030a01ff", "22021a", "1affffffff0f",
        };
        for (String hex : garbage) {
            assertRefused(hex(hex));
        }
    }

    @Test
    void shouldRefuseInvalidUtf8InAString() {
        // Hello.client_id = 0xC3 0x28 (a broken two-byte sequence); proto3 strings must be UTF-8.
        assertRefused(hex("0a040a02c328"));
        assertThat(decode(hex("0a040a02c3a9")).getHello().getClientId()).isEqualTo("\u00E9");
    }

    @Test
    void shouldRefuseEveryTruncationOfAValidFrame() {
        final byte[] body = REQUEST.encoded();
        for (int length = 0; length < body.length; length++) {
            assertRefused(Arrays.copyOf(body, length));
        }
    }

    @Test
    void shouldTolerateUnknownFieldsOfEveryWireType() throws IOException {
        final byte[] request = REQUEST.encoded();
        final byte[] unknown = unknownFieldsOfEveryWireType();
        // In the Frame, around the kind.
        assertThat(decode(TcpFramingTest.concat(unknown, request, unknown))).isEqualTo(
            Frame.parseFrom(TcpFramingTest.concat(unknown, request, unknown)));
        assertThat(decode(TcpFramingTest.concat(unknown, request)).getRequest()).isEqualTo(
            REQUEST.generated().getRequest());
        // In the Request, between its own fields.
        final byte[] inner = TcpFramingTest.concat(unknown, REQUEST.generated().getRequest().toByteArray(), unknown);
        final byte[] frame = TcpFramingTest.concat(hex("1a"), varint(inner.length), inner);
        final Frame decoded = decode(frame);
        assertThat(decoded.getRequest().getId()).isEqualTo(7);
        assertThat(decoded.getRequest().getMethod()).isEqualTo("send");
        assertThat(decoded.getRequest().getHeadersMap()).isEqualTo(Map.of("to", "s-2", "topic", "news"));
        assertThat(decoded.getRequest().getUnknownFields().asMap()).containsOnlyKeys(16, 17, 18, 19, 20);
    }

    @Test
    void shouldTreatAKnownFieldOfTheWrongWireTypeAsUnknown() {
        // Ping.nonce written as length-delimited: protobuf keeps it as an unknown field, nonce stays 0.
        final Frame ping = decode(hex("3a030a0101"));
        assertThat(ping.getPing().getNonce()).isZero();
        assertThat(ping.getPing().getUnknownFields().hasField(1)).isTrue();
        // Frame.request written as a varint is no request at all, so the frame has no kind.
        assertRefused(hex("1801"));
        assertDecodesLikeProtobuf(hex("3a030a0101"));
        assertDecodesLikeProtobuf(hex("1801"));
    }

    @Test
    void shouldKeepTheLastKindWhenAFrameCarriesSeveral() {
        // Protobuf's rule for a oneof: the last field on the wire wins. Two of the same message kind merge.
        final byte[] pingThenPong = TcpFramingTest.concat(new FrameValues.PingValues(1).encoded(),
            new FrameValues.PongValues(2).encoded());
        assertThat(decode(pingThenPong).getPong().getNonce()).isEqualTo(2);
        assertDecodesLikeProtobuf(pingThenPong);
    }

    @Test
    void shouldRefuseBytesAfterAStrayEndGroupTag() {
        // 0x0c ends a group that never started; protobuf's parseFrom(byte[]) refuses it, and so must the decoder,
        // or anything after it would be silently dropped.
        final byte[] ping = new FrameValues.PingValues(1).encoded();
        assertRefused(TcpFramingTest.concat(ping, hex("0c")));
        assertRefused(TcpFramingTest.concat(ping, hex("0c"), new FrameValues.PongValues(2).encoded()));
        assertRefused(TcpFramingTest.concat(ping, hex("0cffff")));
    }

    @Test
    void shouldRefuseGroupsNestedPastProtobufsRecursionLimit() {
        final byte[] nested = hex("a301".repeat(150) + "a401".repeat(150));
        assertRefused(TcpFramingTest.concat(new FrameValues.PingValues(1).encoded(), nested));
        final byte[] shallow = hex("a301".repeat(20) + "a401".repeat(20));
        assertThat(decode(TcpFramingTest.concat(new FrameValues.PingValues(1).encoded(), shallow)).hasPing()).isTrue();
    }

    @Test
    void shouldAgreeWithProtobufOnRandomBytesAndMutatedFrames() {
        final Random random = new Random(0x7E7E_0004L);
        for (int i = 0; i < 3_000; i++) {
            final byte[] bytes = new byte[random.nextInt(40)];
            random.nextBytes(bytes);
            assertDecodesLikeProtobuf(bytes);
        }
        for (int i = 0; i < 3_000; i++) {
            final byte[] bytes = WireSamples.frame(random).encoded();
            if (bytes.length > 0) {
                bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
            }
            assertDecodesLikeProtobuf(bytes);
        }
    }

    /** Decodes as protobuf's {@code Frame.parseFrom(byte[])} does, or refuses what it refuses or what has no kind. */
    static void assertDecodesLikeProtobuf(byte[] body) {
        Frame reference;
        try {
            reference = Frame.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            reference = null;
        }
        if (reference == null || reference.getKindCase() == Frame.KindCase.KIND_NOT_SET) {
            assertRefused(body);
        } else {
            for (ByteBuffer buffer : buffersHolding(body)) {
                assertThat(decode(buffer)).as(HexFormat.of().formatHex(body)).isEqualTo(reference);
            }
        }
    }

    private static void assertRefused(byte[] body) {
        for (ByteBuffer buffer : buffersHolding(body)) {
            assertThatThrownBy(() -> FrameDecoder.decode(buffer)).as(HexFormat.of().formatHex(body))
                .isInstanceOf(InvalidFrameException.class);
        }
    }

    /** The body in a heap buffer at an offset and in a direct buffer at an offset, each between position and limit. */
    private static ByteBuffer[] buffersHolding(byte[] body) {
        final ByteBuffer heap = ByteBuffer.allocate(body.length + 10).position(3);
        final ByteBuffer direct = ByteBuffer.allocateDirect(body.length + 10).position(5);
        return new ByteBuffer[] {
            heap.put(body).flip().position(3),
            direct.put(body).flip().position(5),
        };
    }

    private static Frame decode(ByteBuffer buffer) {
        try {
            return FrameDecoder.decode(buffer);
        } catch (InvalidFrameException e) {
            throw new AssertionError(e);
        }
    }

    private static Frame decode(byte[] body) {
        return decode(ByteBuffer.wrap(body));
    }

    private static byte[] unknownFieldsOfEveryWireType() throws IOException {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeUInt64(16, -1);
        out.writeFixed64(17, 0x0102030405060708L);
        out.writeString(18, "from a newer version");
        out.writeTag(19, 3); // start group
        out.writeUInt32(1, 5);
        out.writeTag(19, 4); // end group
        out.writeFixed32(20, 0xCAFE);
        out.flush();
        return bytes.toByteArray();
    }

    private static byte[] varint(int value) {
        final byte[] bytes = new byte[TcpFraming.headerLengthFor(value)];
        TcpFraming.putHeader(new org.agrona.concurrent.UnsafeBuffer(bytes), 0, value);
        return bytes;
    }

    private static byte[] filled(int length, byte value) {
        final byte[] bytes = new byte[length];
        Arrays.fill(bytes, value);
        return bytes;
    }

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }
}
