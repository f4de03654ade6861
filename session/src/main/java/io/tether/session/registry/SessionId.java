package io.tether.session.registry;

import java.security.SecureRandom;

/**
 * A session id: 128 random bits, shown to users as 22 base64url characters without padding
 * (the same text {@code Base64.getUrlEncoder().withoutPadding()} gives for the 16 big-endian
 * bytes {@code high, low}).
 * <p>
 * The static methods work on the two longs and on text without allocating, so a lookup from a
 * received id costs no garbage: check {@link #isWellFormed(CharSequence)}, then read
 * {@link #high(CharSequence)} and {@link #low(CharSequence)}.
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
     * @param text 22 base64url characters.
     * @return the id they spell.
     * @throws IllegalArgumentException when the text is not a well-formed id.
     */
    public static SessionId parse(final CharSequence text) {
        if (!isWellFormed(text)) {
            throw new IllegalArgumentException("not a session id: " + text);
        }
        return new SessionId(high(text), low(text));
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
        int bad = 0;
        for (int i = 0; i < TEXT_LENGTH; i++) {
            bad |= digit(text.charAt(i));
        }
        return bad >= 0 && (digit(text.charAt(TEXT_LENGTH - 1)) & 0xF) == 0;
    }

    /**
     * @param text a well-formed id (see {@link #isWellFormed(CharSequence)}); other text gives
     *             a meaningless result.
     * @return its first 64 bits: 10 whole characters and the top 4 bits of the 11th.
     */
    public static long high(final CharSequence text) {
        long high = 0;
        for (int i = 0; i < 10; i++) {
            high = (high << 6) | digit(text.charAt(i));
        }
        return (high << 4) | (digit(text.charAt(10)) >>> 2);
    }

    /**
     * @param text a well-formed id (see {@link #isWellFormed(CharSequence)}); other text gives
     *             a meaningless result.
     * @return its last 64 bits: the low 2 bits of the 11th character, 10 whole characters and
     * the top 2 bits of the last one.
     */
    public static long low(final CharSequence text) {
        long low = digit(text.charAt(10)) & 0x3;
        for (int i = 11; i < TEXT_LENGTH - 1; i++) {
            low = (low << 6) | digit(text.charAt(i));
        }
        return (low << 2) | (digit(text.charAt(TEXT_LENGTH - 1)) >>> 4);
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
