package io.tether.jmh;

import io.tether.codec.ws.TextPolicy;
import io.tether.codec.ws.WebSocketFrameDecoder;
import io.tether.codec.ws.WebSocketFrameDescriptor;
import io.tether.codec.ws.WebSocketFrameEncoder;
import io.tether.codec.ws.WebSocketFrameListener;
import io.tether.codec.ws.WebSocketRole;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The WebSocket frame codec on the hot path: one whole message per read, decoded from a direct
 * buffer as the event loop does. Baselines in the same run: unmasking byte by byte (the least any
 * server decoder must do) and the JDK's UTF-8 decoder (what validating text would cost without a
 * streaming validator).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Thread)
public class WebSocketCodecBenchmark {
    @Param({"64", "1024"})
    int payloadSize;

    private ByteBuffer maskedBinary;
    private ByteBuffer unmaskedText;
    private UnsafeBuffer out;
    private UnsafeBuffer payload;
    private CharBuffer chars;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
    private ByteBuffer textPayload;
    private WebSocketFrameDecoder serverDecoder;
    private WebSocketFrameDecoder clientDecoder;
    private final WebSocketFrameEncoder serverEncoder = WebSocketFrameEncoder.forServer();
    private final WebSocketFrameEncoder clientEncoder = WebSocketFrameEncoder.forClient();
    private int textOffset;

    @Setup(Level.Trial)
    public void setUp(final Blackhole blackhole) {
        final byte[] bytes = new byte[payloadSize];
        Arrays.fill(bytes, (byte) 'a');
        bytes[payloadSize / 2] = (byte) 0xC3; // one two-byte code point, so text is not pure ASCII
        bytes[payloadSize / 2 + 1] = (byte) 0xA9;
        payload = new UnsafeBuffer(ByteBuffer.allocateDirect(payloadSize));
        payload.putBytes(0, bytes);

        maskedBinary = ByteBuffer.allocateDirect(payloadSize + WebSocketFrameDescriptor.MAX_HEADER_LENGTH);
        maskedBinary.limit(clientEncoder.putFrame(new UnsafeBuffer(maskedBinary), 0,
            WebSocketFrameDescriptor.OPCODE_BINARY, true, payload, 0, payloadSize));
        unmaskedText = ByteBuffer.allocateDirect(payloadSize + WebSocketFrameDescriptor.MAX_HEADER_LENGTH);
        unmaskedText.limit(serverEncoder.putFrame(new UnsafeBuffer(unmaskedText), 0,
            WebSocketFrameDescriptor.OPCODE_TEXT, true, payload, 0, payloadSize));
        textOffset = serverEncoder.headerLength(payloadSize);
        textPayload = unmaskedText.duplicate();

        out = new UnsafeBuffer(ByteBuffer.allocateDirect(payloadSize + WebSocketFrameDescriptor.MAX_HEADER_LENGTH));
        chars = CharBuffer.allocate(payloadSize);
        final WebSocketFrameListener sink = new BlackholeListener(blackhole);
        serverDecoder = new WebSocketFrameDecoder(WebSocketRole.SERVER, 1 << 20, TextPolicy.VALIDATE, sink);
        clientDecoder = new WebSocketFrameDecoder(WebSocketRole.CLIENT, 1 << 20, TextPolicy.VALIDATE, sink);
    }

    /** Server side: header, in-place unmask, delivery. Unmasking twice restores the bytes, so reuse is fine. */
    @Benchmark
    public int decodeMaskedBinary() {
        maskedBinary.position(0);
        return serverDecoder.decode(maskedBinary);
    }

    @Benchmark
    public int baselineUnmaskBytewise() {
        final int start = maskedBinary.limit() - payloadSize;
        for (int i = start; i < maskedBinary.limit(); i++) {
            maskedBinary.put(i, (byte) (maskedBinary.get(i) ^ maskedBinary.get(start - 4 + ((i - start) & 3))));
        }
        return start;
    }

    /** Client side: header, streaming UTF-8 validation, delivery. */
    @Benchmark
    public int decodeValidatedText() {
        unmaskedText.position(0);
        return clientDecoder.decode(unmaskedText);
    }

    @Benchmark
    public Object baselineJdkUtf8Decode() {
        utf8.reset();
        chars.clear();
        return utf8.decode(textPayload.position(textOffset), chars, true);
    }

    /** Into a direct buffer at an index, as the engine encodes into an outbound chunk or ring. */
    @Benchmark
    public int encodeServerBinary() {
        return serverEncoder.putFrame(out, 0, WebSocketFrameDescriptor.OPCODE_BINARY, true, payload, 0, payloadSize);
    }

    @Benchmark
    public int encodeClientMaskedBinary() {
        return clientEncoder.putFrame(out, 0, WebSocketFrameDescriptor.OPCODE_BINARY, true, payload, 0, payloadSize);
    }

    private record BlackholeListener(Blackhole blackhole) implements WebSocketFrameListener {
        @Override
        public void onBinary(final ByteBuffer payload) {
            blackhole.consume(payload.get(payload.position()));
        }

        @Override
        public void onText(final ByteBuffer utf8) {
            blackhole.consume(utf8.get(utf8.position()));
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
            throw new IllegalStateException(closeCode + " " + reason);
        }
    }
}
