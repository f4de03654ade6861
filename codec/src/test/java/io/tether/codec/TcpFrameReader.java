package io.tether.codec;

import io.tether.codec.proto.Frame;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.agrona.ExpandableArrayBuffer;

/**
 * What a connection does with the bytes it receives, reduced to the codec: {@link TcpFraming#scan} finds each complete
 * frame, {@link FrameDecoder#decode} parses its body, an incomplete tail waits for the next bytes, and the first
 * refusal stops everything (a connection would send a Goodbye and close).
 * <p>
 * Every scan result is checked against a plain restatement of the framing contract, computed independently from the
 * same bytes; a result that breaks it fails with an {@link AssertionError}. So does any exception other than
 * {@link InvalidFrameException}.
 */
final class TcpFrameReader {
    enum Refusal { MALFORMED_LENGTH, TOO_LARGE, INVALID_FRAME }

    private final int maxFrameSize;
    private final ExpandableArrayBuffer pending = new ExpandableArrayBuffer(64);
    private final List<Frame> frames = new ArrayList<>();
    private int pendingLength;
    private Refusal refusal;

    TcpFrameReader(int maxFrameSize) {
        this.maxFrameSize = maxFrameSize;
    }

    static TcpFrameReader readAll(int maxFrameSize, byte[] bytes) {
        final TcpFrameReader reader = new TcpFrameReader(maxFrameSize);
        reader.receive(bytes, 0, bytes.length);
        return reader;
    }

    List<Frame> frames() {
        return frames;
    }

    /** Why the stream was refused, or null while it is fine. */
    Refusal refusal() {
        return refusal;
    }

    /** Bytes of an incomplete frame waiting for more. */
    int pendingLength() {
        return pendingLength;
    }

    void receive(byte[] bytes, int offset, int length) {
        if (refusal != null) {
            return;
        }
        pending.putBytes(pendingLength, bytes, offset, length);
        pendingLength += length;
        int position = 0;
        while (refusal == null) {
            final long result = TcpFraming.scan(pending, position, pendingLength, maxFrameSize);
            final long expected = expectedScan(pending.byteArray(), position, pendingLength, maxFrameSize);
            if (result != expected) {
                throw new AssertionError("scan at " + position + " of " + pendingLength + " gave " + describe(result)
                    + ", the contract says " + describe(expected));
            }
            if (result == TcpFraming.NEED_MORE) {
                break;
            }
            if (result == TcpFraming.MALFORMED_LENGTH) {
                refusal = Refusal.MALFORMED_LENGTH;
            } else if (result == TcpFraming.TOO_LARGE) {
                refusal = Refusal.TOO_LARGE;
            } else {
                if (TcpFraming.bodyLength(result) > maxFrameSize) {
                    throw new AssertionError("a body of " + TcpFraming.bodyLength(result) + " bytes passed the limit");
                }
                final int bodyOffset = position + TcpFraming.headerLength(result);
                position = bodyOffset + TcpFraming.bodyLength(result);
                decode(bodyOffset, TcpFraming.bodyLength(result));
            }
        }
        pending.putBytes(0, pending, position, pendingLength - position);
        pendingLength -= position;
    }

    private void decode(int offset, int length) {
        final ByteBuffer body = ByteBuffer.wrap(pending.byteArray(), offset, length);
        try {
            final Frame frame = FrameDecoder.decode(body);
            if (frame.getKindCase() == Frame.KindCase.KIND_NOT_SET) {
                throw new AssertionError("decoded a frame with no kind");
            }
            frames.add(frame);
        } catch (InvalidFrameException e) {
            refusal = Refusal.INVALID_FRAME;
        }
        if (body.position() != offset || body.limit() != offset + length) {
            throw new AssertionError("decode moved the buffer's position or limit");
        }
    }

    /**
     * The framing contract: the length is a varint32 of at most five bytes whose value fits in 31 bits; it is
     * refused as too large as soon as it is complete; a frame is complete when all its body bytes are there.
     */
    static long expectedScan(byte[] bytes, int offset, int limit, int maxFrameSize) {
        long length = 0;
        for (int k = 0; k < TcpFraming.MAX_HEADER_LENGTH; k++) {
            if (offset + k >= limit) {
                return TcpFraming.NEED_MORE;
            }
            final int b = bytes[offset + k] & 0xFF;
            length += (long) (b & 0x7F) << (7 * k);
            if (b < 0x80) {
                if (length > Integer.MAX_VALUE) {
                    return TcpFraming.MALFORMED_LENGTH;
                }
                if (length > maxFrameSize) {
                    return TcpFraming.TOO_LARGE;
                }
                final int headerLength = k + 1;
                return limit - offset - headerLength >= length ? (long) headerLength << 32 | length
                    : TcpFraming.NEED_MORE;
            }
        }
        return TcpFraming.MALFORMED_LENGTH;
    }

    private static String describe(long result) {
        if (result == TcpFraming.NEED_MORE) {
            return "NEED_MORE";
        }
        if (result == TcpFraming.MALFORMED_LENGTH) {
            return "MALFORMED_LENGTH";
        }
        if (result == TcpFraming.TOO_LARGE) {
            return "TOO_LARGE";
        }
        return "frame(header " + TcpFraming.headerLength(result) + ", body " + TcpFraming.bodyLength(result) + ")";
    }
}
