package io.tether.jmh;

import com.google.protobuf.ByteString;
import io.tether.codec.FrameDecoder;
import io.tether.codec.FrameEncoder;
import io.tether.codec.InvalidFrameException;
import io.tether.codec.Status;
import io.tether.codec.TcpFraming;
import io.tether.codec.proto.Frame;
import io.tether.codec.proto.Request;
import io.tether.codec.proto.Response;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The raw-TCP codec's hot paths against protobuf's own delimited-stream paths, measured in the same run. Compare the
 * pairs: {@code scanAndDecodeRequestFrames} / {@code protobufParseDelimitedRequestFrames} (per frame),
 * {@code decodeRequestHeap} / {@code protobufParseRequest}, and {@code putEchoResponse} (heap and direct) /
 * {@code protobufWriteDelimitedEchoResponse}. {@code scanRequestFrames} is the framing alone. Run with
 * {@code -prof gc}: the framing and the encoder must show 0 B/op.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class FramingBenchmark {
    /** Request frames in the received stream. */
    private static final int FRAMES = 1024;
    private static final int MAX_FRAME_SIZE = 1 << 20;

    private final ByteString payload = randomPayload(64);
    private byte[] requestBody;
    private ByteBuffer requestHeap;
    private ByteBuffer requestDirect;
    private UnsafeBuffer heapOut;
    private UnsafeBuffer directOut;
    /** Reset before each write, so the baseline pays for protobuf and not for growing the stream. */
    private ByteArrayOutputStream protobufOut;
    private long id;

    /** A receive buffer holding {@value #FRAMES} delimited Request frames with 64-byte payloads. */
    @State(Scope.Thread)
    public static class ReceivedStream {
        @Param({"heap", "direct"})
        String memory;
        UnsafeBuffer buffer;
        int length;
        byte[] bytes;

        @Setup
        public void setUp() throws IOException {
            final ByteString payload = randomPayload(64);
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int i = 0; i < FRAMES; i++) {
                Frame.newBuilder().setRequest(Request.newBuilder().setId(i + 1).setMethod("echo").setPayload(payload))
                    .build().writeDelimitedTo(out);
            }
            bytes = out.toByteArray();
            length = bytes.length;
            buffer = new UnsafeBuffer("heap".equals(memory) ? ByteBuffer.allocate(length)
                : ByteBuffer.allocateDirect(length));
            buffer.putBytes(0, bytes);
        }
    }

    @Setup
    public void setUp() {
        requestBody = Frame.newBuilder().setRequest(Request.newBuilder().setId(1).setMethod("echo")
            .setPayload(payload)).build().toByteArray();
        requestHeap = ByteBuffer.wrap(requestBody);
        requestDirect = ByteBuffer.allocateDirect(requestBody.length).put(requestBody).flip();

        heapOut = new UnsafeBuffer(new byte[256]);
        directOut = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
        protobufOut = new ByteArrayOutputStream(256);
    }

    /** Finds every frame of the stream; no parsing. */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long scanRequestFrames(ReceivedStream stream) {
        long bodies = 0;
        int position = 0;
        long result;
        while ((result = TcpFraming.scan(stream.buffer, position, stream.length, MAX_FRAME_SIZE)) >= 0) {
            bodies += TcpFraming.bodyLength(result);
            position += TcpFraming.headerLength(result) + TcpFraming.bodyLength(result);
        }
        return bodies;
    }

    /** Frames and parses every frame of the stream, as the receive path does. */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long scanAndDecodeRequestFrames(ReceivedStream stream) throws InvalidFrameException {
        final ByteBuffer bodies = stream.buffer.byteBuffer().duplicate();
        long ids = 0;
        int position = 0;
        long result;
        while ((result = TcpFraming.scan(stream.buffer, position, stream.length, MAX_FRAME_SIZE)) >= 0) {
            final int bodyOffset = position + TcpFraming.headerLength(result);
            position = bodyOffset + TcpFraming.bodyLength(result);
            bodies.limit(position).position(bodyOffset);
            ids += FrameDecoder.decode(bodies).getRequest().getId();
        }
        return ids;
    }

    /** Baseline: protobuf's own delimited reader over the same stream. */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long protobufParseDelimitedRequestFrames(ReceivedStream stream) throws IOException {
        final ByteArrayInputStream in = new ByteArrayInputStream(stream.bytes);
        long ids = 0;
        Frame frame;
        while ((frame = Frame.parseDelimitedFrom(in)) != null) {
            ids += frame.getRequest().getId();
        }
        return ids;
    }

    @Benchmark
    public Frame decodeRequestHeap() throws InvalidFrameException {
        return FrameDecoder.decode(requestHeap);
    }

    /** protobuf-java 4.x copies a direct buffer's body into a byte[] before parsing: compare with the heap case. */
    @Benchmark
    public Frame decodeRequestDirect() throws InvalidFrameException {
        return FrameDecoder.decode(requestDirect);
    }

    /** Baseline: protobuf's parser from a byte array. */
    @Benchmark
    public Frame protobufParseRequest() throws IOException {
        return Frame.parseFrom(requestBody);
    }

    /** Header and Response{id, payload} of a 64-byte echo, into a heap buffer. */
    @Benchmark
    public int putEchoResponseHeap() {
        return putEchoResponse(heapOut);
    }

    /** Header and Response{id, payload} of a 64-byte echo, into direct memory (the outbound ring). */
    @Benchmark
    public int putEchoResponseDirect() {
        return putEchoResponse(directOut);
    }

    private int putEchoResponse(UnsafeBuffer out) {
        final long requestId = ++id;
        final int length = FrameEncoder.responseLength(requestId, Status.OK, payload, "");
        final int header = TcpFraming.putHeader(out, 0, length);
        return header + FrameEncoder.putResponse(out, header, requestId, Status.OK, payload, "");
    }

    /** Baseline: the same echo response built with generated code and written with writeDelimitedTo. */
    @Benchmark
    public int protobufWriteDelimitedEchoResponse() throws IOException {
        protobufOut.reset();
        Frame.newBuilder().setResponse(Response.newBuilder().setId(++id).setStatus(Status.OK).setPayload(payload))
            .build().writeDelimitedTo(protobufOut);
        return protobufOut.size();
    }

    private static ByteString randomPayload(int length) {
        final byte[] bytes = new byte[length];
        new Random(64).nextBytes(bytes);
        return ByteString.copyFrom(bytes);
    }
}
