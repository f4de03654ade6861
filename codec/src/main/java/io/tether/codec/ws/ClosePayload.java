package io.tether.codec.ws;

import java.nio.ByteBuffer;

/**
 * The payload of a close frame (section 5.5.1): a 2-byte big-endian code, then a UTF-8 reason.
 * The reason is truncated to fit the 125-byte control frame limit, only between code points, so
 * the receiver never sees a broken sequence and answers 1007. Unpaired surrogates become U+FFFD.
 * Writing allocates nothing.
 */
public final class ClosePayload {
    /** Room left for the reason after the code. */
    public static final int MAX_REASON_BYTES = WebSocketFrameDescriptor.MAX_CONTROL_PAYLOAD - 2;

    private static final int REPLACEMENT = 0xFFFD;

    private ClosePayload() {
    }

    /** The payload length {@link #write} will produce for this reason. */
    public static int length(final CharSequence reason) {
        return 2 + forEachCodePoint(reason, null, 0);
    }

    /**
     * Writes code and reason at the buffer's position and advances past them.
     *
     * @return the payload length
     * @throws IllegalArgumentException when the code may not be sent (1005, 1006, unassigned, ...)
     */
    public static int write(final ByteBuffer out, final int code, final CharSequence reason) {
        if (!WebSocketCloseCode.isValidOnWire(code)) {
            throw new IllegalArgumentException("close code may not be sent: " + code);
        }
        final int start = out.position();
        out.put(start, (byte) (code >>> 8));
        out.put(start + 1, (byte) code);
        final int reasonLength = forEachCodePoint(reason, out, start + 2);
        out.position(start + 2 + reasonLength);
        return 2 + reasonLength;
    }

    /** Encodes whole code points while they fit; writes them when {@code out} is not null. */
    private static int forEachCodePoint(final CharSequence reason, final ByteBuffer out, final int index) {
        int written = 0;
        for (int i = 0; i < reason.length(); i++) {
            int cp = reason.charAt(i);
            if (Character.isHighSurrogate((char) cp) && i + 1 < reason.length()
                && Character.isLowSurrogate(reason.charAt(i + 1))) {
                cp = Character.toCodePoint((char) cp, reason.charAt(++i));
            } else if (Character.isSurrogate((char) cp)) {
                cp = REPLACEMENT;
            }
            final int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (written + size > MAX_REASON_BYTES) {
                break;
            }
            if (out != null) {
                encode(out, index + written, cp, size);
            }
            written += size;
        }
        return written;
    }

    private static void encode(final ByteBuffer out, final int index, final int cp, final int size) {
        switch (size) {
            case 1 -> out.put(index, (byte) cp);
            case 2 -> {
                out.put(index, (byte) (0xC0 | cp >>> 6));
                out.put(index + 1, (byte) (0x80 | cp & 0x3F));
            }
            case 3 -> {
                out.put(index, (byte) (0xE0 | cp >>> 12));
                out.put(index + 1, (byte) (0x80 | cp >>> 6 & 0x3F));
                out.put(index + 2, (byte) (0x80 | cp & 0x3F));
            }
            default -> {
                out.put(index, (byte) (0xF0 | cp >>> 18));
                out.put(index + 1, (byte) (0x80 | cp >>> 12 & 0x3F));
                out.put(index + 2, (byte) (0x80 | cp >>> 6 & 0x3F));
                out.put(index + 3, (byte) (0x80 | cp & 0x3F));
            }
        }
    }
}
