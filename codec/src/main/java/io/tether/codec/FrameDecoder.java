package io.tether.codec;

import com.google.protobuf.CodedInputStream;
import io.tether.codec.proto.Frame;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Parses one {@code Frame} message (the body of a TCP frame, or a WebSocket binary message) from the receive buffer.
 * {@code bytes} fields are copied out, because the receive buffer is reused for the next read.
 * <p>
 * From a heap buffer the envelope is parsed in place, with no intermediate {@code byte[]}. From a direct buffer
 * protobuf-java 4.x first copies the whole body into a new {@code byte[]}: it no longer has a decoder over direct
 * memory. A receive path that wants no per-frame garbage beyond the message objects hands this class heap memory.
 */
public final class FrameDecoder {
    private FrameDecoder() {
    }

    /**
     * Parses the bytes between {@code buffer}'s position and limit, which are left unchanged.
     *
     * @throws InvalidFrameException when the bytes are not a {@code Frame}, or a {@code Frame} with no kind set.
     */
    public static Frame decode(ByteBuffer buffer) throws InvalidFrameException {
        final Frame frame;
        try {
            frame = Frame.parseFrom(CodedInputStream.newInstance(buffer.duplicate()));
        } catch (IOException e) {
            // InvalidProtocolBufferException in practice: the input is memory, nothing else can fail.
            throw new InvalidFrameException("unparseable frame: " + e.getMessage());
        }
        if (frame.getKindCase() == Frame.KindCase.KIND_NOT_SET) {
            throw new InvalidFrameException("frame has no known kind");
        }
        return frame;
    }

    public static Frame decode(byte[] bytes, int offset, int length) throws InvalidFrameException {
        return decode(ByteBuffer.wrap(bytes, offset, length));
    }
}
