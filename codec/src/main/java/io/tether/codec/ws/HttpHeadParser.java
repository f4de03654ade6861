package io.tether.codec.ws;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An incremental parser for an HTTP/1.1 message head (start line and header lines, RFC 7230
 * section 3), shared by the server and client sides of the upgrade handshake.
 *
 * <p>Bytes may arrive split anywhere. It consumes exactly the head, up to and including the empty
 * line, so any bytes that follow stay in the caller's buffer. Its limit is hard: a head that has
 * not ended within {@link #MAX_HEAD_LENGTH} bytes is {@link Status#TOO_LARGE}. Line endings are
 * CRLF or, leniently as RFC 7230 allows, a bare LF; a CR elsewhere, other control characters,
 * obsolete line folding and malformed header names are {@link Status#MALFORMED}. Empty lines before
 * the start line are skipped. Every status but INCOMPLETE is terminal.
 */
final class HttpHeadParser {
    static final int MAX_HEAD_LENGTH = 8192;

    enum Status { INCOMPLETE, COMPLETE, TOO_LARGE, MALFORMED }

    private Status status = Status.INCOMPLETE;
    private boolean afterCr;
    private int consumed;
    private byte[] line = new byte[256];
    private int lineLength;
    private String startLine;
    private final List<HeaderField> fields = new ArrayList<>();

    /** Consumes head bytes from the buffer, stopping right after the head or at a terminal status. */
    Status parse(final ByteBuffer in) {
        while (status == Status.INCOMPLETE && in.hasRemaining()) {
            final int b = in.get() & 0xFF;
            consumed++;
            if (afterCr) {
                afterCr = false;
                if (b == '\n') {
                    endLine();
                } else {
                    status = Status.MALFORMED;
                }
            } else if (b == '\r') {
                afterCr = true;
            } else if (b == '\n') {
                endLine();
            } else if ((b < 0x20 && b != '\t') || b == 0x7F) {
                status = Status.MALFORMED;
            } else {
                append(b);
            }
            if (status == Status.INCOMPLETE && consumed >= MAX_HEAD_LENGTH) {
                status = Status.TOO_LARGE;
            }
        }
        return status;
    }

    Status status() {
        return status;
    }

    /** The request or status line; null until it is complete. */
    String startLine() {
        return startLine;
    }

    List<HeaderField> fields() {
        return List.copyOf(fields);
    }

    /** The first value of the header, or null. */
    String value(final String lowerCaseName) {
        for (final HeaderField field : fields) {
            if (field.name().equals(lowerCaseName)) {
                return field.value();
            }
        }
        return null;
    }

    int count(final String lowerCaseName) {
        int count = 0;
        for (final HeaderField field : fields) {
            if (field.name().equals(lowerCaseName)) {
                count++;
            }
        }
        return count;
    }

    /** Whether any occurrence of a comma-list header holds the token. */
    boolean hasToken(final String lowerCaseName, final String token, final boolean ignoreCase) {
        for (final HeaderField field : fields) {
            if (field.name().equals(lowerCaseName) && TokenList.contains(field.value(), token, ignoreCase)) {
                return true;
            }
        }
        return false;
    }

    private void append(final int b) {
        if (lineLength == line.length) {
            line = java.util.Arrays.copyOf(line, Math.min(line.length * 2, MAX_HEAD_LENGTH));
        }
        line[lineLength++] = (byte) b;
    }

    private void endLine() {
        if (lineLength == 0) {
            if (startLine != null) {
                status = Status.COMPLETE;
                line = null; // the head is done; nothing of it needs the line buffer again
            }
            return;
        }
        final String text = new String(line, 0, lineLength, StandardCharsets.ISO_8859_1);
        lineLength = 0;
        if (startLine == null) {
            startLine = text;
            return;
        }
        final int colon = text.indexOf(':');
        if (text.charAt(0) == ' ' || text.charAt(0) == '\t' || colon <= 0
            || !TokenList.isToken(text.subSequence(0, colon))) {
            // Obsolete folding, a missing name or whitespace before the colon (RFC 7230 3.2.4).
            status = Status.MALFORMED;
            return;
        }
        final String name = text.substring(0, colon).toLowerCase(Locale.ROOT);
        fields.add(new HeaderField(name, text.substring(colon + 1).strip()));
    }
}
