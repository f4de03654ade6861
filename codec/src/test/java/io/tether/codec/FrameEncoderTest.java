package io.tether.codec;

import com.google.protobuf.ByteString;
import io.tether.codec.proto.Frame;
import io.tether.codec.proto.Goodbye;
import io.tether.codec.FrameValues.AckValues;
import io.tether.codec.FrameValues.GoodbyeValues;
import io.tether.codec.FrameValues.HelloValues;
import io.tether.codec.FrameValues.PingValues;
import io.tether.codec.FrameValues.PongValues;
import io.tether.codec.FrameValues.PushValues;
import io.tether.codec.FrameValues.RequestValues;
import io.tether.codec.FrameValues.ResponseValues;
import io.tether.codec.FrameValues.WelcomeValues;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.Test;

import static io.tether.codec.WireSamples.MAPS;
import static io.tether.codec.WireSamples.PAYLOADS;
import static io.tether.codec.WireSamples.STRINGS;
import static io.tether.codec.WireSamples.UINT32;
import static io.tether.codec.WireSamples.UINT64;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link FrameEncoder} must write byte-for-byte what protobuf's generated code writes. Each test varies one field over
 * its edge values with the others at typical values, in every buffer shape, at index 0 and at an odd index.
 */
class FrameEncoderTest {
    private static final ByteString PAYLOAD = ByteString.copyFromUtf8("0123456789abcdef");
    private static final int[] INDEXES = {0, 7};

    @Test
    void shouldWriteWhatGeneratedCodeWritesForResponse() {
        for (long id : UINT64) {
            assertMatchesGenerated(new ResponseValues(id, Status.OK, PAYLOAD, ""));
        }
        for (int status : UINT32) {
            assertMatchesGenerated(new ResponseValues(42, status, ByteString.EMPTY, "failed"));
        }
        for (ByteString payload : PAYLOADS) {
            assertMatchesGenerated(new ResponseValues(42, Status.OK, payload, ""));
        }
        for (String error : STRINGS) {
            assertMatchesGenerated(new ResponseValues(42, Status.UNAVAILABLE, PAYLOAD, error));
        }
        assertMatchesGenerated(new ResponseValues(0, 0, ByteString.EMPTY, ""));
    }

    @Test
    void shouldWriteWhatGeneratedCodeWritesForPush() {
        for (long seq : UINT64) {
            assertMatchesGenerated(new PushValues(seq, "news", PAYLOAD));
        }
        for (String topic : STRINGS) {
            assertMatchesGenerated(new PushValues(1, topic, PAYLOAD));
        }
        for (ByteString payload : PAYLOADS) {
            assertMatchesGenerated(new PushValues(1, "send", payload));
        }
        assertMatchesGenerated(new PushValues(0, "", ByteString.EMPTY));
    }

    @Test
    void shouldWriteWhatGeneratedCodeWritesForRequest() {
        for (long id : UINT64) {
            assertMatchesGenerated(new RequestValues(id, "echo", PAYLOAD, Map.of()));
        }
        for (String method : STRINGS) {
            assertMatchesGenerated(new RequestValues(7, method, PAYLOAD, Map.of("to", "s-1")));
        }
        for (ByteString payload : PAYLOADS) {
            assertMatchesGenerated(new RequestValues(7, "send", payload, Map.of("to", "s-1")));
        }
        for (Map<String, String> headers : MAPS) {
            assertMatchesGenerated(new RequestValues(7, "send", PAYLOAD, headers));
        }
        assertMatchesGenerated(new RequestValues(0, "", ByteString.EMPTY, Map.of()));
    }

    @Test
    void shouldWriteWhatGeneratedCodeWritesForHello() {
        final byte[] token = PAYLOAD.toByteArray();
        for (String clientId : STRINGS) {
            assertMatchesGenerated(new HelloValues(clientId, new byte[0], 0, Map.of()));
        }
        for (ByteString resumeToken : PAYLOADS) {
            assertMatchesGenerated(new HelloValues("device-1", resumeToken.toByteArray(), 9, Map.of()));
        }
        for (long lastPushSeq : UINT64) {
            assertMatchesGenerated(new HelloValues("device-1", token, lastPushSeq, Map.of()));
        }
        for (Map<String, String> metadata : MAPS) {
            assertMatchesGenerated(new HelloValues("device-1", token, 9, metadata));
        }
        assertMatchesGenerated(new HelloValues("", new byte[0], 0, Map.of()));
        for (long helloSeq : new long[] {1, 127, 128, Long.MAX_VALUE, -1}) {
            assertMatchesGenerated(new HelloValues("device-1", new byte[32], 9, Map.of("os", "linux"), helloSeq));
        }
    }

    @Test
    void shouldWriteWhatGeneratedCodeWritesForWelcome() {
        final byte[] token = PAYLOAD.toByteArray();
        for (String sessionId : STRINGS) {
            assertMatchesGenerated(new WelcomeValues(sessionId, token, false, 30_000));
        }
        for (ByteString resumeToken : PAYLOADS) {
            assertMatchesGenerated(new WelcomeValues("s-1", resumeToken.toByteArray(), true, 30_000));
        }
        for (int heartbeatMs : UINT32) {
            assertMatchesGenerated(new WelcomeValues("s-1", token, true, heartbeatMs));
            assertMatchesGenerated(new WelcomeValues("s-1", token, false, heartbeatMs));
        }
        assertMatchesGenerated(new WelcomeValues("", new byte[0], false, 0));
    }

    @Test
    void shouldWriteWhatGeneratedCodeWritesForGoodbye() {
        for (int code : UINT32) {
            assertMatchesGenerated(new GoodbyeValues(code, "bye"));
        }
        for (String reason : STRINGS) {
            assertMatchesGenerated(new GoodbyeValues(GoodbyeCode.FRAME_TOO_LARGE, reason));
        }
        assertMatchesGenerated(new GoodbyeValues(GoodbyeCode.NORMAL, ""));
        assertMatchesGenerated(new GoodbyeValues(0, ""));
        assertMatchesGenerated(new GoodbyeValues(GoodbyeCode.OVERLOADED, "over accept-rate", 5_000));
        assertMatchesGenerated(new GoodbyeValues(GoodbyeCode.OVERLOADED, "", -1));
        for (String url : STRINGS) {
            assertMatchesGenerated(new GoodbyeValues(GoodbyeCode.REDIRECT, "node draining", 0, url));
        }
        assertMatchesGenerated(new GoodbyeValues(GoodbyeCode.REDIRECT, "", 0, "tcp://127.0.0.1:7001"));
        assertMatchesGenerated(new GoodbyeValues(GoodbyeCode.REDIRECT, "both", 250, "wss://node-2:443/tether"));
    }

    @Test
    void shouldEncodeAGoodbyeWithReconnectToThatTheProtobufParserReadsBack() throws Exception {
        final String url = "tcp://127.0.0.1:7001";
        final GoodbyeValues values = new GoodbyeValues(GoodbyeCode.REDIRECT, "node draining", 0, url);
        final Goodbye parsed = Frame.parseFrom(values.encoded()).getGoodbye();
        assertThat(parsed.getCode()).isEqualTo(GoodbyeCode.REDIRECT);
        assertThat(parsed.getReason()).isEqualTo("node draining");
        assertThat(parsed.getRetryAfterMs()).isZero();
        assertThat(parsed.getReconnectTo()).isEqualTo(url);
        // Field 4, length-delimited (0x22), right after code (0x08, 4009 as a varint) and reason (0x12).
        assertThat(HexFormat.of().formatHex(values.encoded())).contains("08a91f").contains(
            "22" + HexFormat.of().toHexDigits((byte) url.length()) + HexFormat.of().formatHex(url.getBytes(UTF_8)));
    }

    @Test
    void shouldWriteWhatGeneratedCodeWritesForAckPingAndPong() {
        for (long value : UINT64) {
            assertMatchesGenerated(new AckValues(value));
            assertMatchesGenerated(new PingValues(value));
            assertMatchesGenerated(new PongValues(value));
        }
    }

    @Test
    void shouldWriteWhatGeneratedCodeWritesForRandomFrames() {
        final Random random = new Random(0x7E7E_0001L);
        for (int i = 0; i < 600; i++) {
            assertMatchesGenerated(WireSamples.frame(random));
        }
    }

    @Test
    void shouldWriteKnownBytesForPingAndEchoResponse() {
        assertThat(hex(new PingValues(1))).isEqualTo("3a020801");
        // Frame{response{id 1, payload "hi"}}: field 4 (0x22), length 6, id (0x08 0x01), payload (0x1a 0x02 'h' 'i').
        assertThat(hex(new ResponseValues(1, 0, ByteString.copyFromUtf8("hi"), ""))).isEqualTo("220608011a026869");
        // The largest uint64 takes ten varint bytes, the largest uint32 five.
        assertThat(hex(new AckValues(-1))).isEqualTo("320b08ffffffffffffffffff01");
        assertThat(hex(new GoodbyeValues(-1, ""))).isEqualTo("4a0608ffffffff0f");
    }

    @Test
    void shouldRefuseToWriteAPayloadPastTheEndOfTheBuffer() {
        final ResponseValues values = new ResponseValues(1, 0, WireSamples.randomBytes(100, 9), "");
        for (TestBuffer.Shape shape : TestBuffer.Shape.values()) {
            final TestBuffer target = shape.allocate(values.encodedLength() - 1);
            assertThatThrownBy(() -> values.encode(target.buffer(), 0))
                .as(shape.name()).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void shouldGrowAnExpandableBufferToTakeTheFrame() {
        final Random random = new Random(0x7E7E_0002L);
        for (int i = 0; i < 100; i++) {
            final FrameValues values = WireSamples.frame(random);
            final byte[] expected = values.generated().toByteArray();
            for (MutableDirectBuffer buffer : expandableBuffers()) {
                assertThat(values.encode(buffer, 7)).isEqualTo(expected.length);
                assertThat(TestBuffer.bytes(buffer, 7, expected.length)).as("%s", values).isEqualTo(expected);
            }
        }
    }

    private static List<MutableDirectBuffer> expandableBuffers() {
        return List.of(new ExpandableArrayBuffer(1), new ExpandableDirectByteBuffer(1));
    }

    private static String hex(FrameValues values) {
        return HexFormat.of().formatHex(values.encoded());
    }

    static void assertMatchesGenerated(FrameValues values) {
        final byte[] expected = values.generated().toByteArray();
        assertThat(values.encodedLength()).as("length of %s", values).isEqualTo(expected.length);
        for (TestBuffer.Shape shape : TestBuffer.Shape.values()) {
            for (int index : INDEXES) {
                final TestBuffer target = shape.allocate(index + expected.length + 5);
                final int written = values.encode(target.buffer(), index);
                assertThat(written).as("%s written in %s at %d", values, shape, index).isEqualTo(expected.length);
                assertThat(target.bytes(index, written)).as("%s in %s at %d", values, shape, index)
                    .isEqualTo(expected);
                assertThat(target.untouchedOutside(index, written)).as("bytes around %s", values).isTrue();
            }
        }
    }
}
