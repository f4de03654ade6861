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
    private static final Halves<Boolean> WELL_FORMED = (high, low) -> Boolean.TRUE;

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
        return decode(text, WELL_FORMED) != null;
    }

    /**
     * Decodes the text in one pass, checking it on the way, and hands the halves on without
     * allocating: a lookup from a received id costs no garbage.
     *
     * @param text candidate text, may be null.
     * @param then receives the halves when the text is well-formed
     *             (see {@link #isWellFormed(CharSequence)}).
     * @param <R>  what {@code then} returns.
     * @return what {@code then} returned, or null when the text is not a well-formed id.
     */
    public static <R> R decode(final CharSequence text, final Halves<R> then) {
        if (text == null || text.length() != TEXT_LENGTH) {
            return null;
        }
        // 10 whole characters, then 4 of the 11th's 6 bits make the high half; its other 2, 10
        // whole characters and 2 of the last one's bits make the low half.
        long high = 0;
        long low = 0;
        int bad = 0;
        for (int i = 0; i < 10; i++) {
            final int digit = digit(text.charAt(i));
            bad |= digit;
            high |= (long)digit << (58 - 6 * i);
        }
        for (int i = 0; i < 10; i++) {
            final int digit = digit(text.charAt(11 + i));
            bad |= digit;
            low |= (long)digit << (56 - 6 * i);
        }
        final int middle = digit(text.charAt(10));
        final int last = digit(text.charAt(TEXT_LENGTH - 1));
        if ((bad | middle | last) < 0 || (last & 0xF) != 0) {
            return null;
        }
        return then.apply(high | middle >>> 2, low | (long)(middle & 0x3) << 62 | last >>> 4);
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
