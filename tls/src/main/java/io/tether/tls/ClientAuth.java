package io.tether.tls;

import java.util.Locale;

/** Whether a server asks its clients for a certificate: the values of {@code --tls-client-auth}. */
public enum ClientAuth {
    /** No certificate is requested. */
    NONE,
    /** A certificate is requested; a client without one is let in, anonymous. */
    OPTIONAL,
    /** A client without a trusted certificate fails the handshake. */
    REQUIRED;

    /** @return the value for a flag value such as {@code required}, in any case. */
    public static ClientAuth fromFlag(final String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (final IllegalArgumentException ex) {
            throw new IllegalArgumentException("tls-client-auth must be none, optional or required, not '" +
                value + "'", ex);
        }
    }

    /** @return the flag spelling, for messages and help. */
    public String flagValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
