package io.tether.codec.ws;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static io.tether.codec.ws.WebSocketCloseCode.INVALID_PAYLOAD;
import static io.tether.codec.ws.WebSocketCloseCode.MESSAGE_TOO_BIG;
import static io.tether.codec.ws.WebSocketCloseCode.PROTOCOL_ERROR;
import static io.tether.codec.ws.WebSocketCloseCode.UNSUPPORTED_DATA;
import static io.tether.codec.ws.WebSocketFrameDescriptor.FIN_BIT;
import static io.tether.codec.ws.WebSocketFrameDescriptor.LENGTH_16;
import static io.tether.codec.ws.WebSocketFrameDescriptor.LENGTH_64;
import static io.tether.codec.ws.WebSocketFrameDescriptor.LENGTH_BITS;
import static io.tether.codec.ws.WebSocketFrameDescriptor.MASK_BIT;
import static io.tether.codec.ws.WebSocketFrameDescriptor.MASK_KEY_LENGTH;
import static io.tether.codec.ws.WebSocketFrameDescriptor.MAX_CONTROL_PAYLOAD;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_BINARY;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_BITS;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_CLOSE;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_CONTINUATION;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_PING;
import static io.tether.codec.ws.WebSocketFrameDescriptor.OPCODE_TEXT;
import static io.tether.codec.ws.WebSocketFrameDescriptor.RSV_BITS;

/**
 * Decodes RFC 6455 frames (sections 5 to 7) for one connection, on the thread that owns it.
 *
 * <p>Contract: {@link #decode(ByteBuffer)} decodes every complete frame between the buffer's
 * position and limit, hands each message or control frame to the listener, and advances the
 * position past them. An incomplete frame is left unconsumed: the caller keeps that tail (in a
 * buffer that need exist only until the frame completes; {@link #pendingFrameLength()} says how
 * large) and calls again with the tail followed by newer bytes. A whole unfragmented message that
 * arrives in one read is delivered as a view of the input: no copy, no allocation. Masked payloads
 * are unmasked in place in the input buffer.
 *
 * <p>A frame header is checked as soon as its length bytes are in, before its payload arrives, so
 * an over-long message is refused with 1009 before anyone allocates room for it. Any violation
 * moves the decoder to the terminal {@link State#CORRUPT} state: the listener hears
 * {@code onError} once and nothing more is consumed. A close frame moves it to {@link State#CLOSED}.
 */
public final class WebSocketFrameDecoder {
    /** Where the decoder is; only {@link #OPEN} decodes. */
    public enum State { OPEN, CLOSED, CORRUPT }

    private static final int NO_MESSAGE = -1;

    private final boolean receivesMasked;
    private final int maxMessageSize;
    private final TextPolicy textPolicy;
    private final WebSocketFrameListener listener;
    private final MessageAssembly assembly;

    private State state = State.OPEN;
    private int messageOpcode = NO_MESSAGE;
    private int messageLength;
    private int utf8State = Utf8Validator.ACCEPT;
    private int pendingFrameLength;
    private int errorCode;

    /**
     * @param role           which side this connection is; a server expects masked frames
     * @param maxMessageSize largest message (sum of its fragments) accepted, else 1009
     * @param textPolicy     whether text messages are validated and delivered or refused
     * @param listener       receives messages, control frames and the one error
     */
    public WebSocketFrameDecoder(
        final WebSocketRole role,
        final int maxMessageSize,
        final TextPolicy textPolicy,
        final WebSocketFrameListener listener) {
        if (maxMessageSize < MAX_CONTROL_PAYLOAD || maxMessageSize > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("maxMessageSize out of range: " + maxMessageSize);
        }
        this.receivesMasked = role.receivesMasked();
        this.maxMessageSize = maxMessageSize;
        this.textPolicy = textPolicy;
        this.listener = listener;
        this.assembly = new MessageAssembly(maxMessageSize);
    }

    /**
     * Decodes the complete frames in [position, limit) and advances the position past them.
     *
     * @return the number of bytes consumed; 0 when the input starts with an incomplete frame or
     *     the decoder is no longer {@link State#OPEN}
     */
    public int decode(final ByteBuffer in) {
        final int start = in.position();
        pendingFrameLength = 0;
        while (state == State.OPEN && decodeFrame(in)) {
            // one frame per turn until the input runs out or the state leaves OPEN
        }
        return in.position() - start;
    }

    public State state() {
        return state;
    }

    /** The close code reported through {@code onError}, or 0 while there was none. */
    public int errorCode() {
        return errorCode;
    }

    /**
     * After a call that left an incomplete frame unconsumed: that frame's full length (header and
     * payload) when its header was in, so the caller can size the tail buffer once; 0 when not even
     * the header was complete (it needs at most {@link WebSocketFrameDescriptor#MAX_HEADER_LENGTH}).
     */
    public int pendingFrameLength() {
        return pendingFrameLength;
    }

    /** Whether a fragmented message is in progress (and so a reassembly buffer exists). */
    public boolean isMidMessage() {
        return messageOpcode != NO_MESSAGE;
    }

    private boolean decodeFrame(final ByteBuffer in) {
        final int frameStart = in.position();
        final int available = in.limit() - frameStart;
        if (available < 2) {
            return false;
        }
        final int b0 = in.get(frameStart) & 0xFF;
        final int b1 = in.get(frameStart + 1) & 0xFF;
        final int opcode = b0 & OPCODE_BITS;
        final boolean fin = (b0 & FIN_BIT) != 0;
        final boolean masked = (b1 & MASK_BIT) != 0;
        final int length7 = b1 & LENGTH_BITS;

        if (!checkFixedHeader(b0, opcode, fin, masked, length7)) {
            return false;
        }
        final int lengthBytes = length7 == LENGTH_16 ? 2 : length7 == LENGTH_64 ? 8 : 0;
        if (available < 2 + lengthBytes) {
            return false;
        }
        final long payloadLength = switch (lengthBytes) {
            case 2 -> readBigEndian(in, frameStart + 2, 2);
            case 8 -> readBigEndian(in, frameStart + 2, 8);
            default -> length7;
        };
        if (payloadLength < 0) {
            return fail(PROTOCOL_ERROR, "64-bit payload length with its top bit set");
        }
        if (opcode == OPCODE_CLOSE && payloadLength == 1) {
            return fail(PROTOCOL_ERROR, "close frame with a 1-byte payload");
        }
        if (!WebSocketFrameDescriptor.isControl(opcode)
            && payloadLength > maxMessageSize - (long) (opcode == OPCODE_CONTINUATION ? messageLength : 0)) {
            return fail(MESSAGE_TOO_BIG, "message exceeds the maximum message size");
        }

        final int headerLength = 2 + lengthBytes + (masked ? MASK_KEY_LENGTH : 0);
        final int frameLength = headerLength + (int) payloadLength;
        if (available < frameLength) {
            pendingFrameLength = frameLength;
            return false;
        }
        final int payloadStart = frameStart + headerLength;
        final int payloadEnd = frameStart + frameLength;
        if (masked) {
            FrameMasking.apply(in, payloadStart, payloadEnd, FrameMasking.readKey(in, payloadStart - MASK_KEY_LENGTH));
        }
        final int limit = in.limit();
        try {
            return switch (opcode) {
                case OPCODE_TEXT, OPCODE_BINARY -> onDataFrame(in, opcode, fin, payloadStart, payloadEnd);
                case OPCODE_CONTINUATION -> onContinuation(in, fin, payloadStart, payloadEnd);
                case OPCODE_CLOSE -> onCloseFrame(in, payloadStart, payloadEnd);
                default -> onPingOrPong(in, opcode, payloadStart, payloadEnd);
            };
        } finally {
            // The listener saw a view of [payloadStart, payloadEnd); the frame is consumed unless
            // it was found corrupt, in which case nothing of it is.
            in.limit(limit).position(state == State.CORRUPT ? frameStart : payloadEnd);
        }
    }

    /** Rules that the first two bytes alone decide (sections 5.2, 5.4, 5.5, 5.1). */
    private boolean checkFixedHeader(
        final int b0, final int opcode, final boolean fin, final boolean masked, final int length7) {
        if ((b0 & RSV_BITS) != 0) {
            return fail(PROTOCOL_ERROR, "RSV bits set without a negotiated extension");
        }
        if (!WebSocketFrameDescriptor.isKnown(opcode)) {
            return fail(PROTOCOL_ERROR, "reserved opcode");
        }
        if (masked != receivesMasked) {
            return fail(PROTOCOL_ERROR, receivesMasked ? "client frame is not masked" : "server frame is masked");
        }
        if (WebSocketFrameDescriptor.isControl(opcode)) {
            if (!fin) {
                return fail(PROTOCOL_ERROR, "fragmented control frame");
            }
            if (length7 > MAX_CONTROL_PAYLOAD) {
                return fail(PROTOCOL_ERROR, "control frame payload over 125 bytes");
            }
            return true;
        }
        if (opcode == OPCODE_CONTINUATION) {
            if (messageOpcode == NO_MESSAGE) {
                return fail(PROTOCOL_ERROR, "continuation frame without a message in progress");
            }
            return true;
        }
        if (messageOpcode != NO_MESSAGE) {
            return fail(PROTOCOL_ERROR, "new data frame while a fragmented message is in progress");
        }
        if (opcode == OPCODE_TEXT && textPolicy == TextPolicy.REFUSE) {
            return fail(UNSUPPORTED_DATA, "text messages are not accepted");
        }
        return true;
    }

    private boolean onDataFrame(
        final ByteBuffer in, final int opcode, final boolean fin, final int payloadStart, final int payloadEnd) {
        if (opcode == OPCODE_TEXT) {
            final int utf8 = Utf8Validator.scan(Utf8Validator.ACCEPT, in, payloadStart, payloadEnd);
            if (utf8 == Utf8Validator.REJECT || (fin && utf8 != Utf8Validator.ACCEPT)) {
                return fail(INVALID_PAYLOAD, "text message is not valid UTF-8");
            }
            utf8State = utf8;
        }
        if (fin) {
            in.limit(payloadEnd).position(payloadStart);
            deliver(opcode, in);
            return true;
        }
        messageOpcode = opcode;
        messageLength = payloadEnd - payloadStart;
        assembly.append(in, payloadStart, payloadEnd);
        return true;
    }

    private boolean onContinuation(final ByteBuffer in, final boolean fin, final int payloadStart, final int payloadEnd) {
        if (messageOpcode == OPCODE_TEXT) {
            final int utf8 = Utf8Validator.scan(utf8State, in, payloadStart, payloadEnd);
            if (utf8 == Utf8Validator.REJECT || (fin && utf8 != Utf8Validator.ACCEPT)) {
                return fail(INVALID_PAYLOAD, "text message is not valid UTF-8");
            }
            utf8State = utf8;
        }
        messageLength += payloadEnd - payloadStart;
        assembly.append(in, payloadStart, payloadEnd);
        if (fin) {
            final int opcode = messageOpcode;
            messageOpcode = NO_MESSAGE;
            messageLength = 0;
            utf8State = Utf8Validator.ACCEPT;
            try {
                deliver(opcode, assembly.flip());
            } finally {
                assembly.release();
            }
        }
        return true;
    }

    private boolean onCloseFrame(final ByteBuffer in, final int payloadStart, final int payloadEnd) {
        int code = WebSocketCloseCode.NO_STATUS;
        String reason = "";
        if (payloadEnd > payloadStart) {
            code = (in.get(payloadStart) & 0xFF) << 8 | (in.get(payloadStart + 1) & 0xFF);
            if (!WebSocketCloseCode.isValidOnWire(code)) {
                return fail(PROTOCOL_ERROR, "invalid close code");
            }
            if (!Utf8Validator.isValid(in, payloadStart + 2, payloadEnd)) {
                return fail(INVALID_PAYLOAD, "close reason is not valid UTF-8");
            }
            final byte[] utf8 = new byte[payloadEnd - payloadStart - 2];
            in.get(payloadStart + 2, utf8);
            reason = new String(utf8, StandardCharsets.UTF_8);
        }
        state = State.CLOSED;
        release();
        listener.onClose(code, reason);
        return false;
    }

    private boolean onPingOrPong(final ByteBuffer in, final int opcode, final int payloadStart, final int payloadEnd) {
        in.limit(payloadEnd).position(payloadStart);
        if (opcode == OPCODE_PING) {
            listener.onPing(in);
        } else {
            listener.onPong(in);
        }
        return true;
    }

    private void deliver(final int opcode, final ByteBuffer payload) {
        if (opcode == OPCODE_TEXT) {
            listener.onText(payload);
        } else {
            listener.onBinary(payload);
        }
    }

    private boolean fail(final int closeCode, final String reason) {
        state = State.CORRUPT;
        errorCode = closeCode;
        release();
        listener.onError(closeCode, reason);
        return false;
    }

    private void release() {
        assembly.release();
        messageOpcode = NO_MESSAGE;
        messageLength = 0;
    }

    /** Wire order is big-endian whatever order the caller set on its buffer. */
    private static long readBigEndian(final ByteBuffer in, final int index, final int bytes) {
        long value = 0;
        for (int i = 0; i < bytes; i++) {
            value = value << 8 | (in.get(index + i) & 0xFF);
        }
        return value;
    }
}
