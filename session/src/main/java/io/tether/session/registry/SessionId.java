package io.tether.session.registry;

import java.security.SecureRandom;

/**
 * A session id: 128 random bits, shown to users as 22 base64url characters without padding
 * (the same text {@code Base64.getUrlEncoder().withoutPadding()} gives for the 16 big-endian
 * bytes {@code high, low}).
 * <p>
 * The static methods work on the two longs and on text without allocating, so a lookup from a
 * received id costs no garbage; see {@link #decode(CharSequence, Halves)}.
 *
 * @param high the first 64 bits.
 * @param low  the last 64 bits.
 */
public record SessionId(long high, long low) {
    /** Characters in the text form. */
    public static final int TEXT_LENGTH = 22;

    private static final char[] ALPHABET =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();
    private static final byte[] DIGITS = new byte[128];
    private static final SecureRandom RANDOM = new SecureRandom();

    static {
        java.util.Arrays.fill(DIGITS, (byte)-1);
        for (int i = 0; i < ALPHABET.length; i++) {
            DIGITS[ALPHABET[i]] = (byte)i;
        }
    }

    /**
     * @return a new id from a shared {@link SecureRandom}.
     */
    public static SessionId generate() {
        return generate(RANDOM);
    }

    /**
     * @param random source of the 128 bits; must be a cryptographic generator, since knowing one
     *               id must not help guess another.
     * @return a new id.
     */
    public static SessionId generate(final SecureRandom random) {
        return new SessionId(random.nextLong(), random.nextLong());
    }

    /**
     * Receives the two halves of a decoded id.
     *
     * @param <R> what the receiver makes of them.
     */
    @FunctionalInterface
    public interface Halves<R> {
        /**
         * @param high first 64 bits.
         * @param low  last 64 bits.
         * @return the result handed back by {@link #decode(CharSequence, Halves)}.
         */
        R apply(long high, long low);
    }

    /**
     * @param text 22 base64url characters.
     * @return the id they spell.
     * @throws IllegalArgumentException when the text is not a well-formed id.
     */
    public static SessionId parse(final CharSequence text) {
        final SessionId id = decode(text, SessionId::new);
        if (id == null) {
            throw new IllegalArgumentException("not a session id: " + text);
        }
        return id;
    }

    /**
     * Well-formed means 22 characters of the base64url alphabet whose 4 spare trailing bits are
     * zero, so that each id has exactly one text form.
     *
     * @param text candidate text, may be null.
     * @return whether it is the text form of some id.
     */
    public static boolean isWellFormed(final CharSequence text) {
        if (text == null || text.length() != TEXT_LENGTH) {
            return false;
        }
        final int tail = tail(text);
        return (quad(text, 0) | quad(text, 4) | quad(text, 8) | quad(text, 12) | quad(text, 16) | tail) >= 0
            && (tail & 0xF) == 0;
    }

    /**
     * Decodes the text and hands the halves on without allocating.
     *
     * @param text candidate text, may be null.
     * @param then receives the halves when the text is well-formed
     *             (see {@link #isWellFormed(CharSequence)}).
     * @param <R>  what {@code then} returns.
     * @return what {@code then} returned, or null when the text is not a well-formed id.
     */
    public static <R> R decode(final CharSequence text, final Halves<R> then) {
        return isWellFormed(text) ? then.apply(high(text), low(text)) : null;
    }

    // The text is read as five 4-character quads of 24 bits and a 2-character tail of 12 bits,
    // the last 4 of which are spare:
    //   high = quad 0 (24) | quad 4 (24) | first 16 bits of quad 8
    //   low  = last 8 bits of quad 8 | quad 12 (24) | quad 16 (24) | first 8 bits of the tail
    // isWellFormed, high and low are straight-line code over the same characters, so once a
    // caller such as SessionRegistry.get inlines all three the compiler reads each character
    // once; a single pass handing both halves to a Halves callback kept the halves out of
    // registers and the callback out of line.

    /**
     * @param text a well-formed id (see {@link #isWellFormed(CharSequence)}).
     * @return its first 64 bits.
     */
    static long high(final CharSequence text) {
        return (long)quad(text, 0) << 40 | (long)quad(text, 4) << 16 | quad(text, 8) >>> 8;
    }

    /**
     * @param text a well-formed id (see {@link #isWellFormed(CharSequence)}).
     * @return its last 64 bits.
     */
    static long low(final CharSequence text) {
        return (long)quad(text, 8) << 56 | (long)quad(text, 12) << 32 | (long)quad(text, 16) << 8
            | tail(text) >>> 4;
    }

    // Any character outside the alphabet makes the result negative: its digit is -1, whose
    // shifted copy sets the sign bit.
    private static int quad(final CharSequence text, final int from) {
        return digit(text.charAt(from)) << 18 | digit(text.charAt(from + 1)) << 12
            | digit(text.charAt(from + 2)) << 6 | digit(text.charAt(from + 3));
    }

    private static int tail(final CharSequence text) {
        return digit(text.charAt(TEXT_LENGTH - 2)) << 6 | digit(text.charAt(TEXT_LENGTH - 1));
    }

    /**
     * @param high first 64 bits.
     * @param low  last 64 bits.
     * @return the 22-character text form.
     */
    public static String format(final long high, final long low) {
        final StringBuilder text = new StringBuilder(TEXT_LENGTH);
        appendTo(high, low, text);
        return text.toString();
    }

    /**
     * @param high first 64 bits.
     * @param low  last 64 bits.
     * @param text where to append the 22-character text form.
     */
    public static void appendTo(final long high, final long low, final StringBuilder text) {
        for (int shift = 58; shift >= 4; shift -= 6) {
            text.append(ALPHABET[(int)(high >>> shift) & 0x3F]);
        }
        text.append(ALPHABET[(int)((high & 0xF) << 2 | low >>> 62)]);
        for (int shift = 56; shift >= 2; shift -= 6) {
            text.append(ALPHABET[(int)(low >>> shift) & 0x3F]);
        }
        text.append(ALPHABET[(int)(low & 0x3) << 4]);
    }

    /**
     * @return the 22-character text form.
     */
    @Override
    public String toString() {
        return format(high, low);
    }

    // A negative result marks a character outside the alphabet.
    private static int digit(final char c) {
        return c < DIGITS.length ? DIGITS[c] : -1;
    }
}
