package io.tether.session;

import java.util.Objects;

/**
 * The 128-bit secret a client presents in {@code Hello.resume_token} to reattach to its session.
 * <p>
 * Held as two longs rather than a {@code byte[]} so a session can keep it in two fields (or 16 bytes
 * of an off-heap slot) instead of an extra array object. Comparisons run in constant time: an
 * attacker timing the server's answer must learn nothing about how many leading bytes matched.
 * {@link #toString()} never prints the secret, so a token that ends up in a log is not a credential.
 *
 * @param high the first 8 bytes of the token on the wire, big-endian
 * @param low  the last 8 bytes of the token on the wire, big-endian
 */
public record ResumeToken(long high, long low) {

    /** Length of a token on the wire. */
    public static final int LENGTH = 16;

    /**
     * Reads a token from its wire form.
     *
     * @throws IllegalArgumentException if {@code bytes} is not exactly {@link #LENGTH} long
     */
    public static ResumeToken fromBytes(final byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a resume token is " + LENGTH + " bytes, got " + bytes.length);
        }
        return new ResumeToken(readLong(bytes, 0), readLong(bytes, Long.BYTES));
    }

    /** The wire form: 16 bytes, big-endian. */
    public byte[] toBytes() {
        final byte[] bytes = new byte[LENGTH];
        writeLong(bytes, 0, high);
        writeLong(bytes, Long.BYTES, low);
        return bytes;
    }

    /**
     * Whether {@code presented} (straight from the wire) is this token. Null, empty or wrongly sized
     * input is simply not a match: the length of a token is public, so checking it first leaks nothing.
     * The 16 bytes are compared without an early exit.
     */
    public boolean matches(final byte[] presented) {
        if (presented == null || presented.length != LENGTH) {
            return false;
        }
        return ((readLong(presented, 0) ^ high) | (readLong(presented, Long.BYTES) ^ low)) == 0;
    }

    /** Constant-time, unlike the record's generated equals, which would stop at the first differing half. */
    @Override
    public boolean equals(final Object other) {
        return other instanceof ResumeToken token && ((token.high ^ high) | (token.low ^ low)) == 0;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(high * 31 + low);
    }

    @Override
    public String toString() {
        return "ResumeToken[redacted]";
    }

    private static long readLong(final byte[] bytes, final int offset) {
        long value = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            value = (value << 8) | (bytes[offset + i] & 0xFF);
        }
        return value;
    }

    private static void writeLong(final byte[] bytes, final int offset, final long value) {
        for (int i = 0; i < Long.BYTES; i++) {
            bytes[offset + i] = (byte) (value >>> (56 - 8 * i));
        }
    }
}
