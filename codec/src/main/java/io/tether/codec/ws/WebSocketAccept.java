package io.tether.codec.ws;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** The key and accept values of the opening handshake (section 4.2.2 step 5, section 1.3). */
public final class WebSocketAccept {
    static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int KEY_BYTES = 16;
    private static final int KEY_CHARS = 24;

    private WebSocketAccept() {
    }

    /** Base64 of SHA-1 over the key and the RFC's GUID. */
    public static String of(final String key) {
        try {
            final MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            final byte[] digest = sha1.digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-1", e);
        }
    }

    /** Whether the value is base64 of exactly 16 bytes, as {@code Sec-WebSocket-Key} must be. */
    public static boolean isValidKey(final String key) {
        if (key == null || key.length() != KEY_CHARS) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(key).length == KEY_BYTES;
        } catch (final IllegalArgumentException e) {
            return false;
        }
    }

    /** A fresh key from 16 bytes of nonce. */
    static String keyOf(final byte[] nonce) {
        if (nonce.length != KEY_BYTES) {
            throw new IllegalArgumentException("a key is made of 16 bytes");
        }
        return Base64.getEncoder().encodeToString(nonce);
    }
}
