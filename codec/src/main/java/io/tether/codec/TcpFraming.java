package io.tether.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The raw-TCP framing: every {@code Frame} is preceded by its length as a varint32 (protobuf's delimited format).
 *
 * <pre>
 *   +----------------------+---------------------------+
 *   | length (varint32,    | Frame message             |
 *   |  1..5 bytes)         | (length bytes)            |
 *   +----------------------+---------------------------+
 * </pre>
 *
 * {@link #scan} is a pure function over the bytes received so far: it never allocates, and it refuses a length
 * over the limit as soon as the header proves it, so a hostile length costs nothing.
 */
public final class TcpFraming {
    /** A varint32 takes at most five bytes. */
    public static final int MAX_HEADER_LENGTH = 5;

    /** {@link #scan} result: the header or the body is not complete yet. */
    public static final long NEED_MORE = -1;
    /** {@link #scan} result: the length is not a valid varint32 (a sixth continuation byte, or over 2^31-1). */
    public static final long MALFORMED_LENGTH = -2;
    /** {@link #scan} result: the length is over the maximum frame size. */
    public static final long TOO_LARGE = -3;

    private TcpFraming() {
    }

    /**
     * Looks for one complete frame at {@code [offset, limit)}.
     *
     * @return a negative status ({@link #NEED_MORE}, {@link #MALFORMED_LENGTH}, {@link #TOO_LARGE}), or the header
     *         and body lengths packed as {@code headerLength << 32 | bodyLength}: read them with
     *         {@link #headerLength(long)} and {@link #bodyLength(long)}.
     */
    public static long scan(DirectBuffer buffer, int offset, int limit, int maxFrameSize) {
        final long header = header(buffer, offset, limit, maxFrameSize);
        if (header < 0) {
            return header;
        }
        final int headerLength = headerLength(header);
        final int bodyLength = bodyLength(header);
        return limit - offset - headerLength >= bodyLength ? header : NEED_MORE;
    }

    /**
     * Reads only the length prefix at {@code [offset, limit)}: like {@link #scan}, but the result does not depend on
     * whether the body has arrived. A receiver uses it to size the buffer for a frame still arriving.
     */
    public static long header(DirectBuffer buffer, int offset, int limit, int maxFrameSize) {
        long value = 0;
        int shift = 0;
        for (int i = offset; i < limit; i++) {
            final int b = buffer.getByte(i);
            final int headerLength = i - offset + 1;
            if (headerLength == MAX_HEADER_LENGTH && (b & 0xF8) != 0) {
                // The fifth byte may carry only the top 3 bits of a non-negative int32 and no continuation.
                return MALFORMED_LENGTH;
            }
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value > maxFrameSize ? TOO_LARGE : ((long) headerLength << 32) | value;
            }
            shift += 7;
        }
        return NEED_MORE;
    }

    public static int headerLength(long scanResult) {
        return (int) (scanResult >>> 32);
    }

    public static int bodyLength(long scanResult) {
        return (int) scanResult;
    }

    /** Bytes the length prefix of a frame of {@code bodyLength} bytes takes. */
    public static int headerLengthFor(int bodyLength) {
        return ProtoWire.varint32Size(bodyLength);
    }

    /** Writes the length prefix at {@code index} and returns its size. */
    public static int putHeader(MutableDirectBuffer buffer, int index, int bodyLength) {
        return ProtoWire.putVarint(buffer, index, bodyLength & 0xFFFFFFFFL);
    }
}
