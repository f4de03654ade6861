package io.tether.codec;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/PROTOCOL.md is what client authors read: its proto and its byte-level examples must be what the code does. */
class ProtocolDocumentTest {
    /** Tests run in the module's directory. */
    private static final Path DOCUMENT = Path.of("../docs/PROTOCOL.md");
    private static final Path PROTO = Path.of("src/main/protobuf/tether/v1/tether.proto");

    private record Example(String hex, FrameValues values) {
    }

    private static final List<Example> EXAMPLES = List.of(
        new Example("09 0a 07 0a 05 64 65 76 2d 31", new FrameValues.HelloValues("dev-1", new byte[0], 0, Map.of())),
        new Example("18 12 16 0a 06 73 2d 37 66 33 61 12 08 01 02 03 04 05 06 07 08 20 b0 ea 01",
            new FrameValues.WelcomeValues("s-7f3a", new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, false, 30_000)),
        new Example("0e 1a 0c 08 01 12 04 65 63 68 6f 1a 02 68 69",
            new FrameValues.RequestValues(1, "echo", ByteString.copyFromUtf8("hi"), Map.of())),
        new Example("08 22 06 08 01 1a 02 68 69",
            new FrameValues.ResponseValues(1, Status.OK, ByteString.copyFromUtf8("hi"), "")),
        new Example("19 1a 17 08 02 12 04 73 65 6e 64 1a 02 68 69 22 09 0a 02 74 6f 12 03 73 2d 39",
            new FrameValues.RequestValues(2, "send", ByteString.copyFromUtf8("hi"), Map.of("to", "s-9"))),
        new Example("0e 2a 0c 08 01 12 04 73 65 6e 64 1a 02 68 69",
            new FrameValues.PushValues(1, "send", ByteString.copyFromUtf8("hi"))),
        new Example("04 32 02 08 01", new FrameValues.AckValues(1)),
        new Example("17 22 15 08 02 10 0e 22 0f 75 6e 6b 6e 6f 77 6e 20 73 65 73 73 69 6f 6e",
            new FrameValues.ResponseValues(2, Status.UNAVAILABLE, ByteString.EMPTY, "unknown session")));

    @Test
    void shouldShowTheBytesTheCodecWritesAndReads() throws IOException {
        final String document = Files.readString(DOCUMENT);
        for (Example example : EXAMPLES) {
            assertThat(document).contains(example.hex());
            final byte[] wire = HexFormat.ofDelimiter(" ").parseHex(example.hex());
            assertThat(TcpFramingTest.delimited(List.of(example.values()))).as(example.hex()).isEqualTo(wire);
            assertThat(TcpFrameReader.readAll(1 << 20, wire).frames()).containsExactly(example.values().generated());
        }
    }

    @Test
    void shouldCopyTheProtoFileWhole() throws IOException {
        assertThat(Files.readString(DOCUMENT)).contains("```protobuf\n" + Files.readString(PROTO) + "```\n");
    }

    @Test
    void shouldListEveryGoodbyeCodeAndStatus() throws IOException, IllegalAccessException {
        final String document = Files.readString(DOCUMENT);
        for (var field : GoodbyeCode.class.getFields()) {
            assertThat(document).contains("| " + field.getInt(null) + " | " + field.getName() + " ");
        }
        for (var field : Status.class.getFields()) {
            assertThat(document).contains(field.getInt(null) + " | " + field.getName() + " ");
        }
    }
}
