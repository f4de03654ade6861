package io.tether.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A CA with a server and a client certificate written as PEM files into a directory: the material
 * most tests start from.
 */
final class TestPki {
    static final Duration VALIDITY = Duration.ofDays(30);

    final CertificateIssuer issuer;
    final Path directory;
    final Path caCert;
    final Path serverCert;
    final Path serverKey;
    final Path clientCert;
    final Path clientKey;

    private TestPki(final Path directory, final String caName) {
        this.directory = directory;
        this.issuer = CertificateIssuer.newAuthority(caName, VALIDITY);
        caCert = directory.resolve(caName + "-ca.pem");
        serverCert = directory.resolve(caName + "-server.pem");
        serverKey = directory.resolve(caName + "-server.key");
        clientCert = directory.resolve(caName + "-client.pem");
        clientKey = directory.resolve(caName + "-client.key");
        try {
            issuer.authority().writePem(caCert, directory.resolve(caName + "-ca.key"));
            issuer.issueServer("server", List.of(), VALIDITY).writePem(serverCert, serverKey);
            issuer.issueClient("client-1", VALIDITY).writePem(clientCert, clientKey);
        } catch (final IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Writes a new CA and its certificates; files are prefixed with the CA name. */
    static TestPki create(final Path directory, final String caName) {
        return new TestPki(directory, caName);
    }

    TlsSettings serverSettings(final TlsProvider provider) {
        return TlsSettings.mutual(serverCert, serverKey, caCert).withProvider(provider);
    }

    TlsClientSettings clientSettings(final TlsProvider provider) {
        return TlsClientSettings.mutual(clientCert, clientKey, caCert).withProvider(provider);
    }

    /**
     * Writes what {@code tether certs} writes (with one client, alice) and builds the server's
     * context from those files.
     */
    static TlsContext writeCertificateSetAndLoadServer(final Path directory, final TlsProvider provider)
        throws IOException {
        CertificateIssuer.writeCertificateSet(directory, List.of(), List.of("alice"), VALIDITY);
        return TlsContext.forServer(TlsSettings.mutual(directory.resolve("server.pem"),
            directory.resolve("server.key"), directory.resolve("ca.pem")).withProvider(provider));
    }
}
