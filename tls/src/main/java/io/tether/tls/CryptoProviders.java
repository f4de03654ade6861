package io.tether.tls;

import java.util.logging.Level;
import java.util.logging.Logger;
import java.security.Provider;
import java.security.SecureRandom;

import org.bouncycastle.jcajce.util.JcaJceHelper;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;
import org.bouncycastle.tls.crypto.TlsNonceGenerator;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

/**
 * The BouncyCastle provider instances tether uses. They are passed to each API explicitly and
 * never installed with {@code Security.addProvider}, so an application embedding tether keeps
 * its own provider order.
 */
final class CryptoProviders {
    private CryptoProviders() {
    }

    /** @return the BouncyCastle crypto provider, built once on first use. */
    static Provider bouncyCastle() {
        return Lazy.BC;
    }

    /**
     * @return the BouncyCastle JSSE provider. Its TLS protocol code is BouncyCastle's; its crypto
     * comes from the JVM's providers where they have the algorithm ({@link JdkFirstJcaJceHelper}),
     * else from {@link #bouncyCastle()}.
     */
    static Provider bouncyCastleJsse() {
        return Lazy.BCJSSE;
    }

    /** BCJSSE's crypto: JCA lookups through {@link JdkFirstJcaJceHelper}. */
    static final class JdkFirstCrypto extends JcaTlsCryptoProvider {
        private final JdkFirstJcaJceHelper helper;

        JdkFirstCrypto(final Provider fallback) {
            this.helper = new JdkFirstJcaJceHelper(fallback);
        }

        @Override
        public JcaJceHelper getHelper() {
            return helper;
        }

        /**
         * BCJSSE passes the random an {@code SSLContext} was initialised with, null by default; the
         * base class would then ask the helper's provider for a "DEFAULT" algorithm, which only the
         * BouncyCastle provider has. The JVM's default random is what SunJSSE uses in that case too.
         */
        @Override
        public JcaTlsCrypto create(final SecureRandom random) {
            return super.create(random == null ? new SecureRandom() : random);
        }

        @Override
        public JcaTlsCrypto create(final SecureRandom keyRandom, final SecureRandom nonceRandom) {
            return new SharedNonceCrypto(getHelper(), getAltHelper(), keyRandom, nonceRandom);
        }
    }

    /**
     * BCJSSE's crypto with one nonce generator for all its connections. BouncyCastle's own gives each
     * connection a private SP 800-90A hash DRBG (SHA-512) seeded from the nonce random, which every
     * connection keeps for its whole life: about 1.2 KB per idle session. Its nonces are public
     * values (hello randoms, session IDs; CBC IVs and heartbeats, which tether does not use); here
     * they come straight from that same nonce random, still apart from the random that makes keys,
     * as SunJSSE takes every random value of all its connections from one {@link SecureRandom}.
     */
    private static final class SharedNonceCrypto extends JcaTlsCrypto {
        private final TlsNonceGenerator nonces;

        SharedNonceCrypto(final JcaJceHelper helper, final JcaJceHelper altHelper, final SecureRandom keyRandom,
            final SecureRandom nonceRandom) {
            super(helper, altHelper, keyRandom, nonceRandom);
            this.nonces = length -> {
                final byte[] nonce = new byte[length];
                nonceRandom.nextBytes(nonce);
                return nonce;
            };
        }

        /** @param additionalSeedMaterial what would personalise a per-connection DRBG; not needed here. */
        @Override
        public TlsNonceGenerator createNonceGenerator(final byte[] additionalSeedMaterial) {
            return nonces;
        }
    }

    // Holder idiom: building the providers registers hundreds of algorithms, so only pay when used.
    private static final class Lazy {
        /**
         * BCJSSE reports every security property it reads, and every JDK-only entry it skips, through
         * java.util.logging at INFO and WARNING: noise on a server's terminal. Only its errors pass. The
         * logger is held here because java.util.logging keeps loggers only weakly.
         */
        static final Logger BCJSSE_LOG = quiet(Logger.getLogger("org.bouncycastle.jsse"));
        static final Provider BC = new BouncyCastleProvider();
        static final Provider BCJSSE = new BouncyCastleJsseProvider(false, new JdkFirstCrypto(BC));

        private static Logger quiet(final Logger logger) {
            logger.setLevel(Level.SEVERE);
            return logger;
        }
    }
}
