package io.tether.tls;

import java.net.Socket;
import java.security.Principal;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A server's key manager that makes every TLS session it serves not resumable: when the handshake picks the server's
 * certificate, it invalidates the session being negotiated ({@link SSLSession#invalidate()}, "future connections
 * will not be able to resume or join this session"). The session then goes into no cache, and a TLS 1.3 server
 * sends no session ticket; the connection itself carries on as usual. Scoped to one context, unlike the JVM-wide
 * {@code jdk.tls.server.newSessionTicketCount}. It is public JSSE API, so either provider gets the same call
 * (BouncyCastle's server sends no TLS 1.3 session tickets in any case).
 * <p>
 * TLS 1.3 only: a TLS 1.2 SunJSSE server that has already told the client (in its ServerHello) that a ticket will
 * follow would then send none, and the client fails the handshake. TLS 1.2, which a server only speaks when asked
 * to ({@code tls-protocols}), keeps its resumption.
 */
final class NoResumptionKeyManager extends ForwardingKeyManager {
    private static final String TLS_13 = "TLSv1.3";

    NoResumptionKeyManager(final X509ExtendedKeyManager delegate) {
        super(delegate);
    }

    @Override
    public String chooseEngineServerAlias(final String keyType, final Principal[] issuers, final SSLEngine engine) {
        if (engine != null) {
            invalidate(engine.getHandshakeSession());
        }
        return delegate.chooseEngineServerAlias(keyType, issuers, engine);
    }

    @Override
    public String chooseServerAlias(final String keyType, final Principal[] issuers, final Socket socket) {
        if (socket instanceof SSLSocket ssl) {
            invalidate(ssl.getHandshakeSession());
        }
        return delegate.chooseServerAlias(keyType, issuers, socket);
    }

    private static void invalidate(final SSLSession handshakeSession) {
        if (handshakeSession != null && TLS_13.equals(handshakeSession.getProtocol())) {
            handshakeSession.invalidate();
        }
    }
}
