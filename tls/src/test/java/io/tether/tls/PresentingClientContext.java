package io.tether.tls;

import java.net.Socket;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

/** A client context that presents its certificate whatever CAs the server asks for. */
final class PresentingClientContext {
    private static final char[] PASSWORD = "test".toCharArray();

    private PresentingClientContext() {
    }

    static SSLContext create(final TlsProvider provider, final TestPki identity, final Path trustedCa)
        throws Exception {
        final KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        final PrivateKey key = PemReader.readPrivateKey(identity.clientKey, null);
        final List<X509Certificate> chain = PemReader.readCertificates(identity.clientCert);
        keys.setKeyEntry("client", key, PASSWORD, chain.toArray(new X509Certificate[0]));
        final KeyManagerFactory keyFactory = KeyManagerFactory.getInstance("PKIX", provider.jsse());
        keyFactory.init(keys, PASSWORD);
        final X509ExtendedKeyManager real = (X509ExtendedKeyManager)keyFactory.getKeyManagers()[0];

        final KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", PemReader.readCertificates(trustedCa).get(0));
        final TrustManagerFactory trustFactory = TrustManagerFactory.getInstance("PKIX", provider.jsse());
        trustFactory.init(trust);

        final SSLContext context = SSLContext.getInstance("TLS", provider.jsse());
        context.init(new X509ExtendedKeyManager[] {new IgnoringIssuers(real)}, trustFactory.getTrustManagers(), null);
        return context;
    }

    /** Offers the client certificate whatever issuers the server names. */
    private static final class IgnoringIssuers extends ForwardingKeyManager {
        IgnoringIssuers(final X509ExtendedKeyManager delegate) {
            super(delegate);
        }

        @Override
        public String chooseEngineClientAlias(final String[] keyType, final Principal[] issuers,
            final SSLEngine engine) {
            return delegate.chooseEngineClientAlias(keyType, null, engine);
        }

        @Override
        public String chooseClientAlias(final String[] keyType, final Principal[] issuers, final Socket socket) {
            return delegate.chooseClientAlias(keyType, null, socket);
        }

        @Override
        public String[] getClientAliases(final String keyType, final Principal[] issuers) {
            return delegate.getClientAliases(keyType, null);
        }
    }
}
