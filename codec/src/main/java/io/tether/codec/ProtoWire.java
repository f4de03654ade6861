package io.tether.codec;

import com.google.protobuf.ByteOutput;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The protobuf wire format's primitives, written straight into an Agrona buffer without allocating.
 * Only what tether's hand-written encoders need: varints, tags and length-delimited fields.
 */
public final class ProtoWire {
    static final int WIRETYPE_VARINT = 0;
    static final int WIRETYPE_LENGTH_DELIMITED = 2;

    private ProtoWire() {
    }

    public static int varint32Size(int value) {
        return varint64Size(value & 0xFFFFFFFFL);
    }

    public static int varint64Size(long value) {
        // 1 byte per started group of 7 bits; zero takes one byte.
        return value == 0 ? 1 : (70 - Long.numberOfLeadingZeros(value)) / 7;
    }

    public static int tagSize(int fieldNumber) {
        return varint32Size(fieldNumber << 3);
    }

    public static int putVarint(MutableDirectBuffer buffer, int index, long value) {
        int i = index;
        while ((value & ~0x7FL) != 0) {
            buffer.putByte(i++, (byte) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        buffer.putByte(i++, (byte) value);
        return i - index;
    }

    public static int putTag(MutableDirectBuffer buffer, int index, int fieldNumber, int wireType) {
        return putVarint(buffer, index, (fieldNumber << 3) | wireType);
    }

    /** Size of a varint field, or 0 when the value is the proto3 default and so is not written. */
    public static int varintFieldSize(int fieldNumber, long value) {
        return value == 0 ? 0 : tagSize(fieldNumber) + varint64Size(value);
    }

    public static int putVarintField(MutableDirectBuffer buffer, int index, int fieldNumber, long value) {
        if (value == 0) {
            return 0;
        }
        final int n = putTag(buffer, index, fieldNumber, WIRETYPE_VARINT);
        return n + putVarint(buffer, index + n, value);
    }

    /** Size of a length-delimited field whose content is {@code length} bytes, or 0 for an empty one. */
    public static int lengthDelimitedFieldSize(int fieldNumber, int length) {
        return length == 0 ? 0 : tagSize(fieldNumber) + varint32Size(length) + length;
    }

    /** Size of a nested message field: unlike scalars, a present empty message is still written. */
    public static int messageFieldSize(int fieldNumber, int length) {
        return tagSize(fieldNumber) + varint32Size(length) + length;
    }

    public static int putMessageHeader(MutableDirectBuffer buffer, int index, int fieldNumber, int length) {
        final int n = putTag(buffer, index, fieldNumber, WIRETYPE_LENGTH_DELIMITED);
        return n + putVarint(buffer, index + n, length);
    }

    public static int putBytesField(MutableDirectBuffer buffer, int index, int fieldNumber, ByteString value) {
        final int length = value.size();
        if (length == 0) {
            return 0;
        }
        final int n = putMessageHeader(buffer, index, fieldNumber, length);
        putBytes(buffer, index + n, value);
        return n + length;
    }

    public static int putBytesField(MutableDirectBuffer buffer, int index, int fieldNumber, byte[] value) {
        if (value.length == 0) {
            return 0;
        }
        final int n = putMessageHeader(buffer, index, fieldNumber, value.length);
        buffer.putBytes(index + n, value);
        return n + value.length;
    }

    /** Writes a string field whose UTF-8 length the caller computed with {@link #utf8Length(CharSequence)}. */
    public static int putStringField(MutableDirectBuffer buffer, int index, int fieldNumber, CharSequence value,
                                     int utf8Length) {
        if (utf8Length == 0) {
            return 0;
        }
        final int n = putMessageHeader(buffer, index, fieldNumber, utf8Length);
        putUtf8(buffer, index + n, value);
        return n + utf8Length;
    }

    /**
     * Copies a ByteString into the buffer. Into off-heap memory it goes through {@link ByteOutput#writeLazy}, which
     * protobuf calls with the string's own backing array, so nothing is copied twice.
     * <p>
     * The heap copy goes to the array behind the buffer, past Agrona's own checks, so the range is checked here
     * first: an expandable buffer grows to take it, any other refuses it. Unchecked, a copy past the end of a
     * buffer wrapped at an offset would overwrite whatever lies next to it (the next record of a ring).
     */
    public static void putBytes(MutableDirectBuffer buffer, int index, ByteString value) {
        final int length = value.size();
        buffer.checkLimit(index + length);
        buffer.boundsCheck(index, length);
        final byte[] array = buffer.byteArray();
        if (array != null) {
            value.copyTo(array, buffer.wrapAdjustment() + index);
            return;
        }
        try {
            UnsafeByteOperations.unsafeWriteTo(value, new BufferOutput(buffer, index));
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
    }

    /** A protobuf ByteOutput over an Agrona buffer, from an index on. */
    private static final class BufferOutput extends ByteOutput {
        private final MutableDirectBuffer buffer;
        private int index;

        BufferOutput(MutableDirectBuffer buffer, int index) {
            this.buffer = buffer;
            this.index = index;
        }

        @Override
        public void write(byte value) {
            buffer.putByte(index++, value);
        }

        @Override
        public void write(byte[] value, int offset, int length) {
            buffer.putBytes(index, value, offset, length);
            index += length;
        }

        @Override
        public void writeLazy(byte[] value, int offset, int length) {
            write(value, offset, length);
        }

        @Override
        public void write(ByteBuffer value) {
            final int length = value.remaining();
            buffer.putBytes(index, value, value.position(), length);
            index += length;
        }

        @Override
        public void writeLazy(ByteBuffer value) {
            write(value);
        }
    }

    /** UTF-8 length of a string, as protobuf encodes it (an unpaired surrogate becomes '?'). */
    public static int utf8Length(CharSequence s) {
        final int n = s.length();
        int length = n;
        for (int i = 0; i < n; i++) {
            final char c = s.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    length += 1;
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    length += 2; // 4 bytes for the pair of 2 chars
                    i++;
                } else if (Character.isSurrogate(c)) {
                    length += 0; // replaced by '?'
                } else {
                    length += 2;
                }
            }
        }
        return length;
    }

    public static int putUtf8(MutableDirectBuffer buffer, int index, CharSequence s) {
        int i = index;
        final int n = s.length();
        for (int k = 0; k < n; k++) {
            final char c = s.charAt(k);
            if (c < 0x80) {
                buffer.putByte(i++, (byte) c);
            } else if (c < 0x800) {
                buffer.putByte(i++, (byte) (0xC0 | (c >>> 6)));
                buffer.putByte(i++, (byte) (0x80 | (c & 0x3F)));
            } else if (Character.isHighSurrogate(c) && k + 1 < n && Character.isLowSurrogate(s.charAt(k + 1))) {
                final int cp = Character.toCodePoint(c, s.charAt(++k));
                buffer.putByte(i++, (byte) (0xF0 | (cp >>> 18)));
                buffer.putByte(i++, (byte) (0x80 | ((cp >>> 12) & 0x3F)));
                buffer.putByte(i++, (byte) (0x80 | ((cp >>> 6) & 0x3F)));
                buffer.putByte(i++, (byte) (0x80 | (cp & 0x3F)));
            } else if (Character.isSurrogate(c)) {
                buffer.putByte(i++, (byte) '?');
            } else {
                buffer.putByte(i++, (byte) (0xE0 | (c >>> 12)));
                buffer.putByte(i++, (byte) (0x80 | ((c >>> 6) & 0x3F)));
                buffer.putByte(i++, (byte) (0x80 | (c & 0x3F)));
            }
        }
        return i - index;
    }
}
