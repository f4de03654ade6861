package io.tether.tls;

import java.util.logging.Level;
import java.util.logging.Logger;
import java.security.Provider;
import java.security.SecureRandom;

import org.bouncycastle.jcajce.util.JcaJceHelper;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;
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
    private static final class JdkFirstCrypto extends JcaTlsCryptoProvider {
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
