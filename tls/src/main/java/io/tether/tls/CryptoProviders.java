package io.tether.tls;

import java.util.logging.Level;
import java.util.logging.Logger;
import java.security.Provider;

import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;

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

    /** @return the BouncyCastle JSSE provider, backed by {@link #bouncyCastle()}. */
    static Provider bouncyCastleJsse() {
        return Lazy.BCJSSE;
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
        static final Provider BCJSSE = new BouncyCastleJsseProvider(BC);

        private static Logger quiet(final Logger logger) {
            logger.setLevel(Level.SEVERE);
            return logger;
        }
    }
}
