package io.tether.tls;

import java.nio.file.Path;
import java.util.List;

/**
 * TLS settings of tether's client (the Java client and {@code tether bench}); components are
 * named after their flags in camelCase ({@code --cert}, {@code --key}, {@code --ca}, ...).
 *
 * @param cert            PEM chain the client presents, or null to present none.
 * @param key             PEM private key of the client certificate; given exactly when {@code cert} is.
 * @param keyPasswordFile file holding the key's password, when the key is encrypted.
 * @param ca              PEM bundle of the CAs trusted to sign the server's certificate, or null
 *                        for the JVM's default trust store.
 * @param tlsProvider     the JSSE implementation; default {@code jdk}.
 * @param tlsProtocols    enabled protocol versions; default TLS 1.3 only.
 */
public record TlsClientSettings(
    Path cert,
    Path key,
    Path keyPasswordFile,
    Path ca,
    TlsProvider tlsProvider,
    List<String> tlsProtocols) {
    public TlsClientSettings {
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("cert and key go together: give both or neither");
        }
        if (cert == null && keyPasswordFile != null) {
            throw new IllegalArgumentException("key-password-file needs cert and key");
        }
        tlsProvider = tlsProvider == null ? TlsProvider.JDK : tlsProvider;
        tlsProtocols = TlsProtocols.normalize(tlsProtocols);
    }

    /** A client with a certificate that trusts the given CA bundle, with the defaults. */
    public static TlsClientSettings mutual(final Path cert, final Path key, final Path ca) {
        return new TlsClientSettings(cert, key, null, ca, null, null);
    }

    /** @return a copy with another provider. */
    public TlsClientSettings withProvider(final TlsProvider provider) {
        return new TlsClientSettings(cert, key, keyPasswordFile, ca, provider, tlsProtocols);
    }

    /** @return a copy with other protocols. */
    public TlsClientSettings withProtocols(final List<String> protocols) {
        return new TlsClientSettings(cert, key, keyPasswordFile, ca, tlsProvider, protocols);
    }
}
