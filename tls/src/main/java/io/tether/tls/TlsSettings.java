package io.tether.tls;

import java.nio.file.Path;
import java.util.List;

/**
 * The server's TLS settings. Each component is named after its flag in camelCase
 * ({@code --tls-cert} is {@code tlsCert}), which is also its config file line and etcd key.
 * <p>
 * With no certificate TLS is off ({@link #enabled()} is false) and no other TLS setting may be
 * given. The compact constructor fills defaults: provider {@code jdk}, protocols TLS 1.3 only,
 * client auth {@code required} when a CA bundle is given and {@code none} otherwise. Session resumption is off unless
 * asked for.
 *
 * @param tlsCert            PEM chain the server presents, leaf first.
 * @param tlsKey             PEM private key of the leaf: PKCS#8, PKCS#1 RSA, SEC1 EC or encrypted PKCS#8.
 * @param tlsKeyPasswordFile file holding the key's password, when the key is encrypted.
 * @param tlsCa              PEM bundle of the CAs whose client certificates are accepted.
 * @param tlsProvider        the JSSE implementation.
 * @param tlsClientAuth      whether clients must present a certificate.
 * @param tlsProtocols       enabled protocol versions: TLSv1.3 and, on request, TLSv1.2.
 * @param tlsResumption      whether clients may resume TLS 1.3 sessions (session tickets). Off, every TLS 1.3
 *                           connection makes a full handshake, and an idle session is about 0.5 KB lighter on
 *                           SunJSSE, which keeps the ticket it sent for the connection's life. TLS 1.2, when
 *                           enabled, keeps its resumption (see NoResumptionKeyManager).
 */
public record TlsSettings(
    Path tlsCert,
    Path tlsKey,
    Path tlsKeyPasswordFile,
    Path tlsCa,
    TlsProvider tlsProvider,
    ClientAuth tlsClientAuth,
    List<String> tlsProtocols,
    boolean tlsResumption) {
    public TlsSettings {
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("tls-cert and tls-key go together: give both or neither");
        }
        if (tlsCert == null && (tlsKeyPasswordFile != null || tlsCa != null)) {
            throw new IllegalArgumentException("tls-key-password-file and tls-ca need tls-cert and tls-key");
        }
        tlsProvider = tlsProvider == null ? TlsProvider.JDK : tlsProvider;
        if (tlsClientAuth == null) {
            tlsClientAuth = tlsCa == null ? ClientAuth.NONE : ClientAuth.REQUIRED;
        }
        if (tlsClientAuth != ClientAuth.NONE && tlsCa == null) {
            throw new IllegalArgumentException("tls-client-auth " + tlsClientAuth.flagValue() +
                " needs tls-ca: the CAs that issue client certificates");
        }
        tlsProtocols = TlsProtocols.normalize(tlsProtocols);
    }

    /** Mutual TLS with the defaults: JDK provider, TLS 1.3, client certificates required. */
    public static TlsSettings mutual(final Path cert, final Path key, final Path ca) {
        return new TlsSettings(cert, key, null, ca, null, null, null, false);
    }

    /** @return TLS off: no certificate. */
    public static TlsSettings disabled() {
        return new TlsSettings(null, null, null, null, null, null, null, false);
    }

    /** @return whether the server speaks TLS at all. */
    public boolean enabled() {
        return tlsCert != null;
    }

    /** @return a copy with another provider. */
    public TlsSettings withProvider(final TlsProvider provider) {
        return new TlsSettings(tlsCert, tlsKey, tlsKeyPasswordFile, tlsCa, provider, tlsClientAuth, tlsProtocols,
            tlsResumption);
    }

    /** @return a copy with other protocols. */
    public TlsSettings withProtocols(final List<String> protocols) {
        return new TlsSettings(tlsCert, tlsKey, tlsKeyPasswordFile, tlsCa, tlsProvider, tlsClientAuth, protocols,
            tlsResumption);
    }

    /** @return a copy that lets clients resume TLS sessions, or not. */
    public TlsSettings withResumption(final boolean resumption) {
        return new TlsSettings(tlsCert, tlsKey, tlsKeyPasswordFile, tlsCa, tlsProvider, tlsClientAuth, tlsProtocols,
            resumption);
    }

    /** @return a copy with another client auth mode. */
    public TlsSettings withClientAuth(final ClientAuth clientAuth) {
        return new TlsSettings(tlsCert, tlsKey, tlsKeyPasswordFile, tlsCa, tlsProvider, clientAuth, tlsProtocols,
            tlsResumption);
    }
}
