package io.tether.codec.ws;

import java.nio.ByteBuffer;

/**
 * A streaming UTF-8 validator: a deterministic automaton whose whole state is one int, so a text
 * message can be checked fragment by fragment and read by read, with a code point split anywhere.
 *
 * <p>It rejects what RFC 3629 forbids: overlong forms (C0, C1, E0 80..9F, F0 80..8F), UTF-16
 * surrogates (ED A0..BF), code points above U+10FFFF (F4 90.., F5..FF) and stray continuation
 * bytes. {@link #REJECT} is terminal and is reached at the first byte that cannot start or continue
 * a valid sequence, so the caller can fail on that byte.
 */
public final class Utf8Validator {
    /** Between code points: a message may end here. */
    public static final int ACCEPT = 0;
    /** Terminal: the input is not UTF-8. */
    public static final int REJECT = 1;

    // States waiting for continuation bytes; the restricted ones narrow the second byte's range.
    private static final int NEED_1 = 2;
    private static final int NEED_2 = 3;
    private static final int NEED_3 = 4;
    private static final int AFTER_E0 = 5; // A0..BF, else overlong
    private static final int AFTER_ED = 6; // 80..9F, else a surrogate
    private static final int AFTER_F0 = 7; // 90..BF, else overlong
    private static final int AFTER_F4 = 8; // 80..8F, else above U+10FFFF
    private static final int STATES = 9;

    // Byte classes.
    private static final int ASCII = 0;
    private static final int CONT_80_8F = 1;
    private static final int CONT_90_9F = 2;
    private static final int CONT_A0_BF = 3;
    private static final int INVALID = 4;
    private static final int LEAD_2 = 5;
    private static final int LEAD_E0 = 6;
    private static final int LEAD_3 = 7;
    private static final int LEAD_ED = 8;
    private static final int LEAD_F0 = 9;
    private static final int LEAD_4 = 10;
    private static final int LEAD_F4 = 11;
    private static final int CLASSES = 12;

    private static final long HIGH_BITS = 0x8080_8080_8080_8080L;
    private static final byte[] CLASS_OF = new byte[256];
    private static final byte[] NEXT = new byte[STATES * CLASSES];

    static {
        for (int b = 0; b < 256; b++) {
            CLASS_OF[b] = (byte) classOf(b);
        }
        java.util.Arrays.fill(NEXT, (byte) REJECT);
        on(ACCEPT, ACCEPT, ASCII);
        on(ACCEPT, NEED_1, LEAD_2);
        on(ACCEPT, AFTER_E0, LEAD_E0);
        on(ACCEPT, NEED_2, LEAD_3);
        on(ACCEPT, AFTER_ED, LEAD_ED);
        on(ACCEPT, AFTER_F0, LEAD_F0);
        on(ACCEPT, NEED_3, LEAD_4);
        on(ACCEPT, AFTER_F4, LEAD_F4);
        on(NEED_1, ACCEPT, CONT_80_8F, CONT_90_9F, CONT_A0_BF);
        on(NEED_2, NEED_1, CONT_80_8F, CONT_90_9F, CONT_A0_BF);
        on(NEED_3, NEED_2, CONT_80_8F, CONT_90_9F, CONT_A0_BF);
        on(AFTER_E0, NEED_1, CONT_A0_BF);
        on(AFTER_ED, NEED_1, CONT_80_8F, CONT_90_9F);
        on(AFTER_F0, NEED_2, CONT_90_9F, CONT_A0_BF);
        on(AFTER_F4, NEED_2, CONT_80_8F);
    }

    private Utf8Validator() {
    }

    private static int classOf(final int b) {
        if (b < 0x80) {
            return ASCII;
        } else if (b < 0x90) {
            return CONT_80_8F;
        } else if (b < 0xA0) {
            return CONT_90_9F;
        } else if (b < 0xC0) {
            return CONT_A0_BF;
        } else if (b < 0xC2 || b > 0xF4) {
            return INVALID;
        } else if (b < 0xE0) {
            return LEAD_2;
        } else if (b == 0xE0) {
            return LEAD_E0;
        } else if (b == 0xED) {
            return LEAD_ED;
        } else if (b < 0xF0) {
            return LEAD_3;
        } else if (b == 0xF0) {
            return LEAD_F0;
        } else if (b < 0xF4) {
            return LEAD_4;
        }
        return LEAD_F4;
    }

    private static void on(final int from, final int to, final int... classes) {
        for (final int c : classes) {
            NEXT[from * CLASSES + c] = (byte) to;
        }
    }

    /** The state after one more byte. */
    public static int next(final int state, final byte b) {
        return NEXT[state * CLASSES + CLASS_OF[b & 0xFF]];
    }

    /**
     * Runs the bytes at absolute indexes [from, to) of the buffer through the automaton, without
     * moving its position. Returns the new state; {@link #REJECT} as soon as a byte is invalid.
     */
    public static int scan(int state, final ByteBuffer buffer, final int from, final int to) {
        int i = from;
        while (i < to) {
            if (state == ACCEPT) {
                // Text is mostly ASCII: skip eight bytes at a time while no high bit is set.
                while (i + Long.BYTES <= to && (buffer.getLong(i) & HIGH_BITS) == 0) {
                    i += Long.BYTES;
                }
                if (i == to) {
                    break;
                }
            }
            state = next(state, buffer.get(i++));
            if (state == REJECT) {
                return REJECT;
            }
        }
        return state;
    }

    /** Whether the whole range is complete, valid UTF-8. */
    public static boolean isValid(final ByteBuffer buffer, final int from, final int to) {
        return scan(ACCEPT, buffer, from, to) == ACCEPT;
    }
}
