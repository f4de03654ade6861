package io.tether.session;

import java.security.SecureRandom;
import java.util.Objects;

/**
 * Issues {@link ResumeToken}s: 128 bits from a {@link SecureRandom}, so a token cannot be guessed
 * within any resume window (2^128 tries), and two sessions never share one in practice.
 * <p>
 * Thread-safe: {@link SecureRandom} is. Draw tokens off the event loop if the platform's source
 * can block; the default {@code SecureRandom} on Linux ({@code NativePRNG}, reading
 * {@code /dev/urandom}) does not.
 */
public final class ResumeTokens {

    private final SecureRandom random;

    /** Tokens from the platform's default {@link SecureRandom}. */
    public ResumeTokens() {
        this(new SecureRandom());
    }

    /** Tokens from {@code random}, for example a seeded one in tests. */
    public ResumeTokens(final SecureRandom random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    /** A fresh token. */
    public ResumeToken next() {
        final byte[] bytes = new byte[ResumeToken.LENGTH];
        random.nextBytes(bytes);
        return ResumeToken.fromBytes(bytes);
    }
}
