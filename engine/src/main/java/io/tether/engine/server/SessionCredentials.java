package io.tether.engine.server;

import io.tether.session.ResumeToken;
import io.tether.session.registry.SessionId;
import java.nio.ByteBuffer;

/**
 * Who a session is: its 128-bit id, the 128-bit secret of its resume token, the client id its Hello gave, and when it
 * opened. Set once, on the loop, when a Hello opens the session; read from any thread after that (the session's
 * volatile state is written after them and read before them).
 *
 * <p>A base class rather than a field of {@link ServerSession}: the fields sit in the session object itself, so a
 * session costs no second object header for them.
 */
abstract class SessionCredentials {
    /** Length of a resume token on the wire: the session id, then the 128-bit secret. */
    static final int TOKEN_LENGTH = 32;

    private long idHigh;
    private long idLow;
    private long secretHigh;
    private long secretLow;
    private String clientId = "";
    /** When the session opened (System.nanoTime: sessions opened in one millisecond still sort). */
    private long openedNanos;

    final void setCredentials(long idHigh, long idLow, long secretHigh, long secretLow, String clientId) {
        this.idHigh = idHigh;
        this.idLow = idLow;
        this.secretHigh = secretHigh;
        this.secretLow = secretLow;
        this.clientId = clientId;
        this.openedNanos = System.nanoTime();
    }

    public final String id() {
        return SessionId.format(idHigh, idLow);
    }

    public final String clientId() {
        return clientId;
    }

    final long idHigh() {
        return idHigh;
    }

    final long idLow() {
        return idLow;
    }

    final long secretHigh() {
        return secretHigh;
    }

    final long secretLow() {
        return secretLow;
    }

    /** For the admin endpoint's oldest sessions. */
    final long openedNanos() {
        return openedNanos;
    }

    /** The resume token as the client gets it: the 16 bytes of the id, then the 16 bytes of the secret. */
    final byte[] token() {
        return ByteBuffer.allocate(TOKEN_LENGTH).putLong(idHigh).putLong(idLow).putLong(secretHigh).putLong(secretLow)
            .array();
    }

    /** Whether a presented secret is this session's, compared in constant time ({@link ResumeToken#equals}). */
    final boolean secretMatches(long high, long low) {
        return new ResumeToken(secretHigh, secretLow).equals(new ResumeToken(high, low));
    }
}
