package io.tether.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

class ProtoWireTest {
    @Test
    void shouldCountAndWriteUtf8LikeStringGetBytes() {
        for (String s : WireSamples.STRINGS) {
            assertUtf8(s);
        }
        for (int c = 0; c <= Character.MAX_VALUE; c++) {
            assertUtf8(String.valueOf((char) c));
            assertUtf8("a" + (char) c + "\uDE00");
        }
        final Random random = new Random(0x7E7E_0005L);
        for (int i = 0; i < 5_000; i++) {
            assertUtf8(WireSamples.string(random, 30));
        }
    }

    @Test
    void shouldSizeAndWriteVarintsLikeCodedOutputStream() throws IOException {
        for (int bit = 0; bit < 64; bit++) {
            for (long value : new long[] {(1L << bit) - 1, 1L << bit, (1L << bit) + 1, -(1L << bit)}) {
                assertThat(ProtoWire.varint64Size(value)).as("size of %d", value)
                    .isEqualTo(CodedOutputStream.computeUInt64SizeNoTag(value));
                final UnsafeBuffer buffer = new UnsafeBuffer(new byte[10]);
                final int written = ProtoWire.putVarint(buffer, 0, value);
                assertThat(TestBuffer.bytes(buffer, 0, written)).isEqualTo(protobufUInt64(value));
            }
        }
        for (int value : WireSamples.UINT32) {
            assertThat(ProtoWire.varint32Size(value)).isEqualTo(CodedOutputStream.computeUInt32SizeNoTag(value));
        }
    }

    @Test
    void shouldSizeTagsLikeCodedOutputStream() {
        for (int field : new int[] {1, 15, 16, 2_047, 2_048, 262_143, 262_144, (1 << 29) - 1}) {
            assertThat(ProtoWire.tagSize(field)).as("field %d", field)
                .isEqualTo(CodedOutputStream.computeTagSize(field));
        }
    }

    @Test
    void shouldCopyEveryShapeOfByteStringIntoEveryShapeOfBuffer() {
        for (ByteString value : WireSamples.PAYLOADS) {
            for (TestBuffer.Shape shape : TestBuffer.Shape.values()) {
                final TestBuffer target = shape.allocate(value.size() + 4);
                ProtoWire.putBytes(target.buffer(), 3, value);
                assertThat(target.bytes(3, value.size())).as(shape.name()).isEqualTo(value.toByteArray());
                assertThat(target.untouchedOutside(3, value.size())).isTrue();
            }
        }
    }

    @Test
    void shouldWriteNothingForEmptyAndDefaultFields() {
        final TestBuffer target = TestBuffer.Shape.HEAP.allocate(8);
        assertThat(ProtoWire.putVarintField(target.buffer(), 0, 1, 0)).isZero();
        assertThat(ProtoWire.putBytesField(target.buffer(), 0, 2, ByteString.EMPTY)).isZero();
        assertThat(ProtoWire.putBytesField(target.buffer(), 0, 2, new byte[0])).isZero();
        assertThat(ProtoWire.putStringField(target.buffer(), 0, 3, "", 0)).isZero();
        assertThat(target.untouchedOutside(0, 0)).isTrue();
        // A present message is written even when empty: Frame{ping{}} is 3a 00.
        assertThat(ProtoWire.messageFieldSize(FrameEncoder.PING, 0)).isEqualTo(2);
    }

    private static void assertUtf8(String s) {
        final byte[] expected = s.getBytes(UTF_8);
        assertThat(ProtoWire.utf8Length(s)).as("length of %s", s.codePoints().toArray()).isEqualTo(expected.length);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[expected.length]);
        assertThat(ProtoWire.putUtf8(buffer, 0, s)).isEqualTo(expected.length);
        assertThat(buffer.byteArray()).isEqualTo(expected);
    }

    private static byte[] protobufUInt64(long value) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final CodedOutputStream coded = CodedOutputStream.newInstance(out);
        coded.writeUInt64NoTag(value);
        coded.flush();
        return out.toByteArray();
    }
}
