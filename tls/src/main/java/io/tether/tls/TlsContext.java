package io.tether.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * A validated, immutable {@link SSLContext} together with the policy tether applies to every
 * engine it creates: protocols, cipher suites and client authentication.
 * <p>
 * Built from PEM files, fully checked before it is returned: the files parse, the chain links up,
 * the key matches the leaf certificate and the context creates an engine with at least one suite.
 */
public final class TlsContext {
    private final SSLContext sslContext;
    private final TlsProvider provider;
    private final ClientAuth clientAuth;
    private final String[] protocols;
    private final String[] cipherSuites;
    private final List<X509Certificate> chain;

    private TlsContext(
        final SSLContext sslContext,
        final TlsProvider provider,
        final ClientAuth clientAuth,
        final List<String> protocols,
        final List<X509Certificate> chain) {
        this.sslContext = sslContext;
        this.provider = provider;
        this.clientAuth = clientAuth;
        this.protocols = protocols.toArray(new String[0]);
        this.chain = chain;
        final SSLEngine probe = sslContext.createSSLEngine();
        this.cipherSuites = TlsProtocols.cipherSuites(protocols, probe.getSupportedCipherSuites());
        if (cipherSuites.length == 0) {
            throw new TlsMaterialException(null, "the " + provider.flagValue() + " provider supports none of " +
                "tether's cipher suites for " + protocols);
        }
    }

    /** Reads the server's files now and builds its context. */
    public static TlsContext forServer(final TlsSettings settings) {
        return forServer(settings, readFiles(settings), Instant.now());
    }

    static FileContents readFiles(final TlsSettings settings) {
        requireEnabled(settings);
        return FileContents.read(settings.tlsCert(), settings.tlsKey(), settings.tlsKeyPasswordFile(), settings.tlsCa());
    }

    /**
     * @param files the contents of every file the settings name, read at one moment.
     * @param now   the time the serving certificate must be valid at.
     */
    static TlsContext forServer(final TlsSettings settings, final FileContents files, final Instant now) {
        requireEnabled(settings);
        final KeyMaterial keyMaterial = loadKeyMaterial(
            settings.tlsCert(), settings.tlsKey(), settings.tlsKeyPasswordFile(), files, now);
        final List<X509Certificate> clientIssuers = settings.tlsCa() == null ? null :
            PemReader.readCertificates(settings.tlsCa(), files.bytes(settings.tlsCa()));
        final SSLContext context = build(settings.tlsProvider(), keyMaterial, clientIssuers, settings.tlsResumption());
        return new TlsContext(context, settings.tlsProvider(), settings.tlsClientAuth(), settings.tlsProtocols(),
            keyMaterial.presented());
    }

    /** Reads the client's files now and builds its context. */
    public static TlsContext forClient(final TlsClientSettings settings) {
        final FileContents files = FileContents.read(
            settings.cert(), settings.key(), settings.keyPasswordFile(), settings.ca());
        final KeyMaterial keyMaterial = settings.cert() == null ? null :
            loadKeyMaterial(settings.cert(), settings.key(), settings.keyPasswordFile(), files, Instant.now());
        final List<X509Certificate> serverIssuers = settings.ca() == null ? null :
            PemReader.readCertificates(settings.ca(), files.bytes(settings.ca()));
        final SSLContext context = build(settings.tlsProvider(), keyMaterial, serverIssuers, true);
        return new TlsContext(context, settings.tlsProvider(), ClientAuth.NONE, settings.tlsProtocols(),
            keyMaterial == null ? List.of() : keyMaterial.presented());
    }

    /** @return a new engine in server mode with this context's policy, for one accepted connection. */
    public SSLEngine newServerEngine() {
        final SSLEngine engine = sslContext.createSSLEngine();
        engine.setUseClientMode(false);
        final SSLParameters parameters = parameters();
        parameters.setNeedClientAuth(clientAuth == ClientAuth.REQUIRED);
        if (clientAuth == ClientAuth.OPTIONAL) {
            parameters.setWantClientAuth(true);
        }
        engine.setSSLParameters(parameters);
        return engine;
    }

    /**
     * @param host the server's name or address as the user gave it: the server certificate must
     *             name it (in a DNS or IP subject alternative name).
     * @param port the server's port, a hint for session resumption.
     * @return a new engine in client mode with this context's policy.
     */
    public SSLEngine newClientEngine(final String host, final int port) {
        final SSLEngine engine = sslContext.createSSLEngine(host, port);
        engine.setUseClientMode(true);
        final SSLParameters parameters = parameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(parameters);
        return engine;
    }

    public SSLContext sslContext() {
        return sslContext;
    }

    public TlsProvider provider() {
        return provider;
    }

    public ClientAuth clientAuth() {
        return clientAuth;
    }

    /** @return the enabled protocols, most preferred first. */
    public List<String> protocols() {
        return List.of(protocols);
    }

    /** @return the enabled cipher suites, most preferred first. */
    public List<String> cipherSuites() {
        return List.of(cipherSuites);
    }

    /**
     * @return the chain this side presents, leaf first (without a self-signed root the file may end with); empty
     * for a client without a certificate.
     */
    public List<X509Certificate> certificateChain() {
        return chain;
    }

    /** @return when the presented leaf certificate expires, or null when none is presented. */
    public Instant notAfter() {
        return chain.isEmpty() ? null : chain.get(0).getNotAfter().toInstant();
    }

    /**
     * @return only what tether sets, to give to an engine. Not a copy of the engine's own parameters
     * ({@code getSSLParameters}): an engine keeps every array it is given, so handing back its
     * defaults (named groups, application protocols) would give each engine private copies of
     * lists that otherwise stay shared (about 70 B per engine with SunJSSE). What is left unset
     * (null) keeps the engine's default.
     */
    private SSLParameters parameters() {
        final SSLParameters parameters = new SSLParameters(cipherSuites, protocols);
        parameters.setUseCipherSuitesOrder(true);
        parameters.setSignatureSchemes(TlsProtocols.SIGNATURE_SCHEMES);
        return parameters;
    }

    private static KeyMaterial loadKeyMaterial(
        final Path cert, final Path key, final Path passwordFile, final FileContents files, final Instant now) {
        final char[] password = passwordFile == null ? null :
            PemReader.readPassword(passwordFile, files.bytes(passwordFile));
        try {
            return KeyMaterial.load(cert, key, files, password, now);
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
    }

    private static SSLContext build(
        final TlsProvider provider, final KeyMaterial keyMaterial, final List<X509Certificate> trustedIssuers,
        final boolean resumable) {
        try {
            return provider.newSslContext(keyMaterial, trustedIssuers, resumable);
        } catch (final GeneralSecurityException | RuntimeException ex) {
            throw new TlsMaterialException(null, "cannot build the " + provider.flagValue() + " TLS context: " +
                ex.getMessage(), ex);
        }
    }

    private static void requireEnabled(final TlsSettings settings) {
        if (!settings.enabled()) {
            throw new IllegalArgumentException("TLS is off: no tls-cert is set");
        }
    }
}
