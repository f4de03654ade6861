package io.tether.codec.ws;

/**
 * The RFC 6455 frame layout, described once (section 5.2).
 *
 * <pre>
 *   byte 0                 byte 1
 *   +---+---+---+---+------+---+---------+----------------------+-------------+---------...
 *   |FIN|RS1|RS2|RS3|opcode|MSK|len7     | extended length      | masking key | payload
 *   | 1 | 1 | 1 | 1 |  4   | 1 |  7 bits | 0, 2 or 8 bytes      | 0 or 4      | length bytes
 *   +---+---+---+---+------+---+---------+----------------------+-------------+---------...
 *   len7 0..125: the payload length itself
 *   len7 126:    a 16-bit big-endian length follows
 *   len7 127:    a 64-bit big-endian length follows (its top bit must be clear)
 * </pre>
 *
 * <p>Non-minimal length encodings (for example 5 written in the 16-bit form) are accepted, as the
 * RFC's receivers are not required to reject them; nothing about them can hurt a bounded decoder.
 */
public final class WebSocketFrameDescriptor {
    public static final int OPCODE_CONTINUATION = 0x0;
    public static final int OPCODE_TEXT = 0x1;
    public static final int OPCODE_BINARY = 0x2;
    public static final int OPCODE_CLOSE = 0x8;
    public static final int OPCODE_PING = 0x9;
    public static final int OPCODE_PONG = 0xA;

    public static final int FIN_BIT = 0x80;
    static final int RSV_BITS = 0x70;
    static final int OPCODE_BITS = 0x0F;
    static final int CONTROL_BIT = 0x08;
    public static final int MASK_BIT = 0x80;
    static final int LENGTH_BITS = 0x7F;
    public static final int LENGTH_16 = 126;
    public static final int LENGTH_64 = 127;

    /** Largest payload a control frame may carry (section 5.5). */
    public static final int MAX_CONTROL_PAYLOAD = 125;
    /** 2 fixed bytes, 8 bytes of extended length, 4 bytes of masking key. */
    public static final int MAX_HEADER_LENGTH = 14;
    public static final int MASK_KEY_LENGTH = 4;

    private WebSocketFrameDescriptor() {
    }

    static boolean isControl(int opcode) {
        return (opcode & CONTROL_BIT) != 0;
    }

    static boolean isKnown(int opcode) {
        return opcode <= OPCODE_BINARY || (opcode >= OPCODE_CLOSE && opcode <= OPCODE_PONG);
    }

    /** Header length for a payload of this length, with or without a masking key. */
    public static int headerLength(long payloadLength, boolean masked) {
        final int base = payloadLength <= MAX_CONTROL_PAYLOAD ? 2 : payloadLength <= 0xFFFF ? 4 : 10;
        return masked ? base + MASK_KEY_LENGTH : base;
    }
}
