package io.tether.tls;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Provider;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The JSSE implementation behind tether's TLS: the values of {@code --tls-provider}.
 * <p>
 * Each builds its factories from an explicit {@link Provider} instance, so choosing BouncyCastle
 * for tether does not change the provider order of the rest of the JVM.
 */
public enum TlsProvider {
    /** The JDK's own SunJSSE. */
    JDK {
        @Override
        String keyManagerAlgorithm() {
            // SunJSSE's PKIX key manager names the key anew for every handshake and so misses its own
            // cache: each handshake decrypts the key from the key store again (PBKDF2, 10,000 rounds)
            // and its session keeps that copy. SunX509 reads the key once, when the context is built.
            return "SunX509";
        }

        @Override
        Provider jsse() {
            final Provider provider = Security.getProvider("SunJSSE");
            if (provider == null) {
                throw new IllegalStateException("this JVM has no SunJSSE provider; use --tls-provider bc");
            }
            return provider;
        }
    },
    /** BouncyCastle JSSE ({@code BCJSSE}) on top of the BouncyCastle crypto provider. */
    BC {
        @Override
        Provider jsse() {
            return CryptoProviders.bouncyCastleJsse();
        }
    };

    // Only in memory, never written anywhere: KeyStore needs some password for its key entry.
    private static final char[] IN_MEMORY_PASSWORD = "tether".toCharArray();

    abstract Provider jsse();

    /**
     * @return the key manager algorithm: one that loads the key once, so that a handshake neither
     * reads it from the key store again nor leaves a copy of it in its session. BCJSSE's PKIX
     * manager does that when built from a key store and password.
     */
    String keyManagerAlgorithm() {
        return "PKIX";
    }

    /** @return the value for a flag value such as {@code bc}, in any case. */
    public static TlsProvider fromFlag(final String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (final IllegalArgumentException ex) {
            throw new IllegalArgumentException("tls-provider must be jdk or bc, not '" + value + "'", ex);
        }
    }

    /** @return the flag spelling, for messages and help. */
    public String flagValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param keyMaterial   our certificate and key, or null to present none.
     * @param trustedIssuers the CAs to trust, or null for the JVM's default trust store.
     * @param resumable     whether sessions this context serves may be resumed (see {@link NoResumptionKeyManager}).
     */
    SSLContext newSslContext(final KeyMaterial keyMaterial, final List<X509Certificate> trustedIssuers,
                             final boolean resumable) throws GeneralSecurityException {
        final Provider provider = jsse();
        final SSLContext context = SSLContext.getInstance("TLS", provider);
        final KeyManager[] keyManagers = keyManagers(provider, keyManagerAlgorithm(), keyMaterial);
        if (!resumable && keyManagers != null) {
            for (int i = 0; i < keyManagers.length; i++) {
                if (!(keyManagers[i] instanceof X509ExtendedKeyManager extended)) {
                    throw new GeneralSecurityException("the " + flagValue() + " key manager cannot turn TLS session "
                        + "resumption off");
                }
                keyManagers[i] = new NoResumptionKeyManager(extended);
            }
        }
        context.init(keyManagers, trustManagers(provider, trustedIssuers), null);
        return context;
    }

    private static KeyManager[] keyManagers(
        final Provider provider, final String algorithm, final KeyMaterial keyMaterial) throws GeneralSecurityException {
        if (keyMaterial == null) {
            return null;
        }
        final KeyStore store = emptyKeyStore();
        store.setKeyEntry("key", keyMaterial.key(), IN_MEMORY_PASSWORD,
            keyMaterial.presented().toArray(new X509Certificate[0]));
        final KeyManagerFactory factory = KeyManagerFactory.getInstance(algorithm, provider);
        factory.init(store, IN_MEMORY_PASSWORD);
        return factory.getKeyManagers();
    }

    private static TrustManager[] trustManagers(final Provider provider, final List<X509Certificate> issuers)
        throws GeneralSecurityException {
        final TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX", provider);
        if (issuers == null) {
            factory.init((KeyStore)null);
        } else {
            final KeyStore store = emptyKeyStore();
            for (int i = 0; i < issuers.size(); i++) {
                store.setCertificateEntry("ca-" + i, issuers.get(i));
            }
            factory.init(store);
        }
        return factory.getTrustManagers();
    }

    private static KeyStore emptyKeyStore() throws GeneralSecurityException {
        final KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (final java.io.IOException ex) {
            throw new GeneralSecurityException("cannot create an in-memory key store", ex);
        }
        return store;
    }
}
