package io.tether.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.tether.codec.proto.Frame;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static io.tether.codec.TcpFraming.MALFORMED_LENGTH;
import static io.tether.codec.TcpFraming.NEED_MORE;
import static io.tether.codec.TcpFraming.TOO_LARGE;
import static io.tether.codec.TcpFraming.bodyLength;
import static io.tether.codec.TcpFraming.headerLength;
import static org.assertj.core.api.Assertions.assertThat;

class TcpFramingTest {
    private static final int MIB = 1 << 20;
    private static final int OFFSET = 3;

    /** The first and last length of each varint size, one to five bytes. */
    private static final int[] LENGTHS = {
        0, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 268_435_455, 268_435_456, Integer.MAX_VALUE,
    };

    @Test
    void shouldWriteAndReadEveryVarintSize() {
        final int[] headerSizes = {1, 1, 2, 2, 3, 3, 4, 4, 5, 5};
        for (int i = 0; i < LENGTHS.length; i++) {
            final int length = LENGTHS[i];
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[OFFSET + 5]);
            final int written = TcpFraming.putHeader(buffer, OFFSET, length);
            assertThat(written).isEqualTo(headerSizes[i]).isEqualTo(TcpFraming.headerLengthFor(length));
            assertThat(TestBuffer.bytes(buffer, OFFSET, written)).as("header of %d", length).isEqualTo(protobufVarint(length));

            // The header alone proves the length: it is refused just over it, and waits for the body at it.
            assertThat(TcpFraming.scan(buffer, OFFSET, OFFSET + written, length))
                .isEqualTo(length == 0 ? (long) written << 32 : NEED_MORE);
            if (length > 0) {
                assertThat(TcpFraming.scan(buffer, OFFSET, OFFSET + written, length - 1)).isEqualTo(TOO_LARGE);
            }
            // scan reads only the header, so a limit past the small buffer stands for a body that has all arrived.
            final long limit = (long) OFFSET + written + length;
            if (limit <= Integer.MAX_VALUE) {
                final long frame = TcpFraming.scan(buffer, OFFSET, (int) limit, Integer.MAX_VALUE);
                assertThat(headerLength(frame)).isEqualTo(written);
                assertThat(bodyLength(frame)).isEqualTo(length);
                if (length > 0) {
                    assertThat(TcpFraming.scan(buffer, OFFSET, (int) limit - 1, Integer.MAX_VALUE))
                        .as("one body byte missing from %d", length).isEqualTo(NEED_MORE);
                }
            }
        }
    }

    @Test
    void shouldNeedMoreForATruncatedHeaderAtEverySplit() {
        for (int length : LENGTHS) {
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[OFFSET + 5]);
            final int written = TcpFraming.putHeader(buffer, OFFSET, length);
            for (int available = 0; available < written; available++) {
                assertThat(TcpFraming.scan(buffer, OFFSET, OFFSET + available, Integer.MAX_VALUE))
                    .as("%d of the %d header bytes of %d", available, written, length).isEqualTo(NEED_MORE);
            }
        }
    }

    @Test
    void shouldAcceptExactlyTheMaximumFrameSize() {
        for (int max : new int[] {0, 1, 127, 128, 16_384, MIB}) {
            final byte[] atMax = frameOfBodyLength(max);
            final long frame = TcpFraming.scan(new UnsafeBuffer(atMax), 0, atMax.length, max);
            assertThat(bodyLength(frame)).as("body of max %d", max).isEqualTo(max);
            assertThat(headerLength(frame)).isEqualTo(TcpFraming.headerLengthFor(max));

            final byte[] overMax = frameOfBodyLength(max + 1);
            assertThat(TcpFraming.scan(new UnsafeBuffer(overMax), 0, overMax.length, max)).isEqualTo(TOO_LARGE);
        }
    }

    @Test
    void shouldRefuseALengthOverTheMaximumAsSoonAsTheHeaderIsComplete() {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[5]);
        final int header = TcpFraming.putHeader(buffer, 0, MIB + 1);
        assertThat(TcpFraming.scan(buffer, 0, header, MIB)).isEqualTo(TOO_LARGE);
        for (int available = 0; available < header; available++) {
            assertThat(TcpFraming.scan(buffer, 0, available, MIB)).isEqualTo(NEED_MORE);
        }
        TcpFraming.putHeader(buffer, 0, MIB);
        assertThat(TcpFraming.scan(buffer, 0, header, MIB)).isEqualTo(NEED_MORE);
        TcpFraming.putHeader(buffer, 0, Integer.MAX_VALUE);
        assertThat(TcpFraming.scan(buffer, 0, 5, MIB)).isEqualTo(TOO_LARGE);
    }

    @Test
    void shouldRefuseASixthContinuationByte() {
        assertThat(scanHex("ffffffffff01", MIB)).isEqualTo(MALFORMED_LENGTH);
        // Refused at the fifth byte: no need to wait for a sixth.
        assertThat(scanHex("8080808080", MIB)).isEqualTo(MALFORMED_LENGTH);
        assertThat(scanHex("8080808080", Integer.MAX_VALUE)).isEqualTo(MALFORMED_LENGTH);
    }

    @Test
    void shouldRefuseAFifthByteOverThirtyOneBits() {
        for (int fifth = 0; fifth < 256; fifth++) {
            final String header = "ffffffff" + HexFormat.of().toHexDigits((byte) fifth);
            if (fifth <= 0x07) {
                final int length = 0x0FFF_FFFF | fifth << 28;
                assertThat(scanHex(header, length)).as("fifth byte %02x", fifth).isEqualTo(NEED_MORE);
                assertThat(scanHex(header, length - 1)).as("fifth byte %02x", fifth).isEqualTo(TOO_LARGE);
            } else {
                assertThat(scanHex(header, Integer.MAX_VALUE)).as("fifth byte %02x", fifth).isEqualTo(MALFORMED_LENGTH);
            }
        }
        // 2^31 and 2^32-1: valid uint32 varints, but not frame lengths.
        assertThat(scanHex("8080808008", Integer.MAX_VALUE)).isEqualTo(MALFORMED_LENGTH);
        assertThat(scanHex("ffffffff0f", Integer.MAX_VALUE)).isEqualTo(MALFORMED_LENGTH);
    }

    @Test
    void shouldAcceptNonMinimalVarintsLikeProtobuf() throws IOException {
        assertThat(scanHex("8000", MIB)).isEqualTo(2L << 32);
        assertThat(scanHex("8080808000", MIB)).isEqualTo(5L << 32);
        final byte[] ping = new FrameValues.PingValues(5).encoded();
        final byte[] stream = concat(HexFormat.of().parseHex("8480808000"), ping);
        assertThat(ping).hasSize(4);
        final long frame = TcpFraming.scan(new UnsafeBuffer(stream), 0, stream.length, MIB);
        assertThat(headerLength(frame)).isEqualTo(5);
        assertThat(bodyLength(frame)).isEqualTo(4);
        assertThat(Frame.parseDelimitedFrom(new ByteArrayInputStream(stream)).getPing().getNonce()).isEqualTo(5);
        assertThat(TcpFrameReader.readAll(MIB, stream).frames())
            .containsExactly(Frame.parseDelimitedFrom(new ByteArrayInputStream(stream)));
    }

    @Test
    void shouldNeedMoreForAnEmptyRange() {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[] {0, 0, 0});
        assertThat(TcpFraming.scan(buffer, 2, 2, MIB)).isEqualTo(NEED_MORE);
        // A zero-length frame is complete with its header alone.
        assertThat(TcpFraming.scan(buffer, 2, 3, MIB)).isEqualTo(1L << 32);
    }

    @Test
    void shouldReadFramesBackToBackAtAnyOffsetOfADirectBuffer() {
        final List<FrameValues> values = sampleFrames();
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        int end = OFFSET;
        for (FrameValues v : values) {
            end += TcpFraming.putHeader(buffer, end, v.encodedLength());
            end += v.encode(buffer, end);
        }
        final List<Frame> frames = new ArrayList<>();
        int position = OFFSET;
        long result;
        while ((result = TcpFraming.scan(buffer, position, end, MIB)) >= 0) {
            final byte[] body = TestBuffer.bytes(buffer, position + headerLength(result), bodyLength(result));
            frames.add(parse(body));
            position += headerLength(result) + bodyLength(result);
        }
        assertThat(result).isEqualTo(NEED_MORE);
        assertThat(position).isEqualTo(end);
        assertThat(frames).containsExactlyElementsOf(values.stream().map(FrameValues::generated).toList());
    }

    @Test
    void shouldWriteWhatProtobufWritesDelimitedAndReadItBack() throws IOException {
        final List<FrameValues> values = sampleFrames();
        final ByteArrayOutputStream protobuf = new ByteArrayOutputStream();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer();
        int end = 0;
        for (FrameValues v : values) {
            v.generated().writeDelimitedTo(protobuf);
            end += TcpFraming.putHeader(buffer, end, v.encodedLength());
            end += v.encode(buffer, end);
        }
        assertThat(TestBuffer.bytes(buffer, 0, end)).isEqualTo(protobuf.toByteArray());

        final ByteArrayInputStream in = new ByteArrayInputStream(protobuf.toByteArray());
        final List<Frame> parsedByProtobuf = new ArrayList<>();
        Frame frame;
        while ((frame = Frame.parseDelimitedFrom(in)) != null) {
            parsedByProtobuf.add(frame);
        }
        assertThat(TcpFrameReader.readAll(MIB, protobuf.toByteArray()).frames()).isEqualTo(parsedByProtobuf);
    }

    @Test
    void shouldReadTheSameFramesWhereverTheStreamIsSplit() {
        final byte[] stream = delimited(sampleFrames());
        final List<Frame> whole = TcpFrameReader.readAll(MIB, stream).frames();
        assertThat(whole).hasSize(sampleFrames().size());
        for (int first = 0; first <= stream.length; first++) {
            for (int second = first; second <= stream.length; second += 7) {
                final TcpFrameReader reader = new TcpFrameReader(MIB);
                reader.receive(stream, 0, first);
                reader.receive(stream, first, second - first);
                reader.receive(stream, second, stream.length - second);
                assertThat(reader.frames()).as("split at %d and %d", first, second).isEqualTo(whole);
                assertThat(reader.pendingLength()).isZero();
            }
        }
        final TcpFrameReader byteByByte = new TcpFrameReader(MIB);
        for (int i = 0; i < stream.length; i++) {
            byteByByte.receive(stream, i, 1);
        }
        assertThat(byteByByte.frames()).isEqualTo(whole);
    }

    @Test
    void shouldStopAtTheFirstRefusedFrameOfAStream() {
        final byte[] valid = delimited(sampleFrames());
        final TcpFrameReader tooLarge = TcpFrameReader.readAll(512, concat(valid, frameOfBodyLength(513), valid));
        assertThat(tooLarge.refusal()).isEqualTo(TcpFrameReader.Refusal.TOO_LARGE);
        assertThat(tooLarge.frames()).hasSize(sampleFrames().size());

        final byte[] sixBytesOfContinuation = HexFormat.of().parseHex("ffffffffffff");
        final TcpFrameReader malformed = TcpFrameReader.readAll(MIB, concat(valid, sixBytesOfContinuation));
        assertThat(malformed.refusal()).isEqualTo(TcpFrameReader.Refusal.MALFORMED_LENGTH);
        assertThat(malformed.frames()).hasSize(sampleFrames().size());
    }

    private static List<FrameValues> sampleFrames() {
        return List.of(
            new FrameValues.HelloValues("device-1", new byte[0], 0, Map.of("os", "linux")),
            new FrameValues.RequestValues(1, "echo", ByteString.copyFromUtf8("hello"), Map.of()),
            new FrameValues.PingValues(0),
            new FrameValues.ResponseValues(1, 0, WireSamples.randomBytes(200, 1), ""),
            new FrameValues.PushValues(-1, "\uD83D\uDE00", ByteString.EMPTY),
            new FrameValues.GoodbyeValues(GoodbyeCode.NORMAL, ""));
    }

    static byte[] delimited(List<FrameValues> values) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer();
        int end = 0;
        for (FrameValues v : values) {
            end += TcpFraming.putHeader(buffer, end, v.encodedLength());
            end += v.encode(buffer, end);
        }
        return TestBuffer.bytes(buffer, 0, end);
    }

    /** A frame header for {@code length} followed by that many (meaningless) body bytes. */
    private static byte[] frameOfBodyLength(int length) {
        final byte[] frame = new byte[TcpFraming.headerLengthFor(length) + length];
        TcpFraming.putHeader(new UnsafeBuffer(frame), 0, length);
        return frame;
    }

    private static long scanHex(String hex, int maxFrameSize) {
        final byte[] bytes = HexFormat.of().parseHex(hex);
        return TcpFraming.scan(new UnsafeBuffer(bytes), 0, bytes.length, maxFrameSize);
    }

    private static byte[] protobufVarint(int value) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            final CodedOutputStream coded = CodedOutputStream.newInstance(out);
            coded.writeUInt32NoTag(value);
            coded.flush();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }

    private static Frame parse(byte[] body) {
        try {
            return FrameDecoder.decode(body, 0, body.length);
        } catch (InvalidFrameException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] concat(byte[]... parts) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
