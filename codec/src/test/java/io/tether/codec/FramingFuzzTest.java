package io.tether.codec;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import io.tether.codec.FrameValues.AckValues;
import io.tether.codec.FrameValues.GoodbyeValues;
import io.tether.codec.FrameValues.HelloValues;
import io.tether.codec.FrameValues.PingValues;
import io.tether.codec.FrameValues.PongValues;
import io.tether.codec.FrameValues.PushValues;
import io.tether.codec.FrameValues.RequestValues;
import io.tether.codec.FrameValues.ResponseValues;
import io.tether.codec.FrameValues.WelcomeValues;
import io.tether.codec.proto.Frame;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.agrona.concurrent.UnsafeBuffer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz tests of the raw-TCP receive path ({@link TcpFraming#scan} then {@link FrameDecoder#decode}) and of the
 * encoders. A plain {@code mvn test} replays the seed corpus committed under
 * {@code src/test/resources/io/tether/codec/FramingFuzzTestInputs/<method>/}, whose file names say what each seed
 * holds. To fuzz one method (Jazzer keeps what it explores in {@code codec/.cifuzz-corpus/}, ignored by git, and
 * writes a failing input into the seed directory, where it becomes a regression test):
 * <pre>
 * JAZZER_FUZZ=1 ./mvnw -pl codec -am verify -Dtest='FramingFuzzTest#shouldYieldOnlyFramesOrDeclaredRefusals' \
 *     -Djazzer.max_duration=90s
 * </pre>
 * The last bytes of a seed are read first: they pick the maximum frame size and the read size (Jazzer's
 * {@code FuzzedDataProvider} takes numbers from the end of the input and byte arrays from the front).
 */
class FramingFuzzTest {
    private static final int[] MAX_FRAME_SIZES = {0, 1, 16, 300, 1 << 20};

    /**
     * Arbitrary bytes yield only frames with a kind, a wait for more, or one of the declared refusals: never another
     * exception, never a body over the limit. How the bytes are cut into reads changes nothing, and every frame is
     * the one protobuf's own delimited reader finds at the same place.
     */
    @FuzzTest(maxDuration = "5m")
    void shouldYieldOnlyFramesOrDeclaredRefusals(FuzzedDataProvider data) throws IOException {
        final int maxFrameSize = data.pickValue(MAX_FRAME_SIZES);
        final int readSize = data.consumeInt(1, 64);
        final byte[] stream = data.consumeRemainingAsBytes();

        final TcpFrameReader whole = TcpFrameReader.readAll(maxFrameSize, stream);
        final TcpFrameReader inReads = new TcpFrameReader(maxFrameSize);
        for (int i = 0; i < stream.length; i += readSize) {
            inReads.receive(stream, i, Math.min(readSize, stream.length - i));
        }
        assertThat(inReads.frames()).isEqualTo(whole.frames());
        assertThat(inReads.refusal()).isEqualTo(whole.refusal());

        final InputStream in = new ByteArrayInputStream(stream);
        for (Frame frame : whole.frames()) {
            assertThat(Frame.parseDelimitedFrom(in)).isEqualTo(frame);
        }
    }

    /**
     * Fuzzed field values, encoded by {@link FrameEncoder} behind {@link TcpFraming#putHeader} into a heap or direct
     * buffer, are the bytes protobuf's {@code writeDelimitedTo} writes, and read back as the same values.
     */
    @FuzzTest(maxDuration = "5m")
    void shouldReadBackWhatTheEncodersWrite(FuzzedDataProvider data) throws IOException {
        final boolean direct = data.consumeBoolean();
        final int readSize = data.consumeInt(1, 256);
        final List<FrameValues> sent = new ArrayList<>();
        for (int count = data.consumeInt(1, 4); sent.size() < count; ) {
            sent.add(frameValues(data));
        }

        final ByteArrayOutputStream expected = new ByteArrayOutputStream();
        int total = 0;
        for (FrameValues values : sent) {
            values.generated().writeDelimitedTo(expected);
            total += TcpFraming.headerLengthFor(values.encodedLength()) + values.encodedLength();
        }
        final int start = 7;
        final UnsafeBuffer buffer = direct ? new UnsafeBuffer(ByteBuffer.allocateDirect(start + total))
            : new UnsafeBuffer(new byte[start + total]);
        int end = start;
        for (FrameValues values : sent) {
            end += TcpFraming.putHeader(buffer, end, values.encodedLength());
            final int written = values.encode(buffer, end);
            assertThat(written).isEqualTo(values.encodedLength());
            end += written;
        }
        final byte[] stream = TestBuffer.bytes(buffer, start, end - start);
        assertThat(stream).isEqualTo(expected.toByteArray());

        final TcpFrameReader reader = new TcpFrameReader(1 << 20);
        for (int i = 0; i < stream.length; i += readSize) {
            reader.receive(stream, i, Math.min(readSize, stream.length - i));
        }
        assertThat(reader.refusal()).isNull();
        assertThat(reader.pendingLength()).isZero();
        assertThat(reader.frames()).isEqualTo(sent.stream().map(v -> v.asReceived().generated()).toList());
    }

    private static FrameValues frameValues(FuzzedDataProvider data) {
        return switch (data.consumeInt(0, 8)) {
            case 0 -> new ResponseValues(data.consumeLong(), data.consumeInt(), bytes(data), data.consumeString(40));
            case 1 -> new PushValues(data.consumeLong(), data.consumeString(40), bytes(data));
            case 2 -> new RequestValues(data.consumeLong(), data.consumeString(20), bytes(data), map(data));
            case 3 -> new HelloValues(data.consumeString(40), data.consumeBytes(64), data.consumeLong(), map(data));
            case 4 -> new WelcomeValues(data.consumeString(40), data.consumeBytes(64), data.consumeBoolean(),
                data.consumeInt());
            case 5 -> new GoodbyeValues(data.consumeInt(), data.consumeString(80), data.consumeInt(),
                data.consumeString(40));
            case 6 -> new AckValues(data.consumeLong());
            case 7 -> new PingValues(data.consumeLong());
            default -> new PongValues(data.consumeLong());
        };
    }

    private static ByteString bytes(FuzzedDataProvider data) {
        return ByteString.copyFrom(data.consumeBytes(data.consumeInt(0, 2_000)));
    }

    private static Map<String, String> map(FuzzedDataProvider data) {
        final Map<String, String> map = new LinkedHashMap<>();
        for (int entries = data.consumeInt(0, 4); entries > 0; entries--) {
            map.put(data.consumeString(12), data.consumeString(24));
        }
        return map;
    }
}
