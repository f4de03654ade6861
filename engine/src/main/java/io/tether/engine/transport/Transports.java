package io.tether.engine.transport;

import io.tether.codec.ws.UpgradePolicy;
import io.tether.engine.config.ListenAddress;
import io.tether.tls.TlsContext;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;

/**
 * The one place a URL scheme picks a connection's transport stack, for both ends:
 *
 * <pre>
 *   scheme    server side                               client side
 *   tcp       TcpTransport                              TcpTransport
 *   ws        WebSocketTransport (tether frames, or     WebSocketTransport (tether frames)
 *             the embedder's handler for the path)
 *   ws+echo   WebSocketTransport (every message         refused
 *             echoed)
 *   tls       TlsTransport over TcpTransport            TlsTransport over TcpTransport
 *   wss       TlsTransport over WebSocketTransport      TlsTransport over WebSocketTransport
 * </pre>
 *
 * Any other scheme is refused with an {@link IllegalArgumentException} that names the ones supported.
 */
public final class Transports {
    /** The largest WebSocket message a client takes. */
    private static final int CLIENT_MAX_MESSAGE = 64 << 20;

    private Transports() {
    }

    /**
     * The transport of a connection accepted on {@code listen}; {@code null} means raw TCP (an adopted channel).
     *
     * @param raw          the plain WebSocket handler that serves it ({@link #rawHandler}), null for tether frames
     * @param maxFrameSize the largest WebSocket message taken
     * @param tlsEngines   a server-mode engine per connection, asked only for tls:// and wss://
     */
    public static Transport server(ListenAddress listen, WebSocketHandler raw, int maxFrameSize,
                                   Supplier<SSLEngine> tlsEngines) {
        final Transport plain = plainServer(listen, raw, maxFrameSize);
        return listen != null && listen.isTls() ? new TlsTransport(plain, tlsEngines.get(), false) : plain;
    }

    /**
     * The plain WebSocket handler that serves connections accepted on {@code listen}: the echo for ws+echo, else
     * the embedder's handler for the path, if any; null for tether frames (and for every listener that is not
     * WebSocket).
     */
    public static WebSocketHandler rawHandler(ListenAddress listen, Map<String, WebSocketHandler> handlersByPath) {
        if (listen == null || !listen.isWebSocket()) {
            return null;
        }
        return listen.scheme().equals(ListenAddress.WS_ECHO) ? WebSocketHandler.ECHO
            : handlersByPath.get(listen.path());
    }

    /** The client side of a connection to {@code target}; {@code tls} is needed for tls:// and wss://. */
    public static Transport client(ListenAddress target, TlsContext tls) {
        final Transport plain = plainClient(target);
        if (!target.isTls()) {
            return plain;
        }
        if (tls == null) {
            throw new IllegalArgumentException(target + " needs TLS settings (a CA to trust, and a client certificate"
                + " for mutual TLS)");
        }
        return new TlsTransport(plain, tls.newClientEngine(target.host(), target.port()), true);
    }

    /** Sets up a socket the way every tether connection has it, accepted or connected: non-blocking, no Nagle. */
    public static void configure(SocketChannel channel) throws IOException {
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    }

    /** The server's transport under TLS, or the only one. */
    static Transport plainServer(ListenAddress listen, WebSocketHandler raw, int maxFrameSize) {
        if (listen == null || !framesInWebSocket(listen, true)) {
            return TcpTransport.INSTANCE;
        }
        final UpgradePolicy policy = UpgradePolicy.forPath(listen.path());
        return WebSocketTransport.server(raw == null ? policy : policy.withSubprotocols(), raw, maxFrameSize);
    }

    /** The client's transport under TLS, or the only one. */
    static Transport plainClient(ListenAddress target) {
        return framesInWebSocket(target, false)
            ? WebSocketTransport.client(target.host() + ":" + target.port(), target.path(), CLIENT_MAX_MESSAGE)
            : TcpTransport.INSTANCE;
    }

    /** Whether the scheme carries frames in WebSocket messages (else length-prefixed on the stream); refuses others. */
    private static boolean framesInWebSocket(ListenAddress address, boolean server) {
        return switch (address.scheme()) {
            case ListenAddress.TCP, ListenAddress.TLS -> false;
            case ListenAddress.WS, ListenAddress.WSS -> true;
            case ListenAddress.WS_ECHO -> {
                if (server) {
                    yield true;
                }
                throw refused(address, false);
            }
            default -> throw refused(address, server);
        };
    }

    private static IllegalArgumentException refused(ListenAddress address, boolean server) {
        return new IllegalArgumentException(server
            ? "a listener serves tcp://, ws://, ws+echo://, tls:// or wss://, not " + address.scheme()
            : "a client connects to tcp://, ws://, tls:// or wss://, not " + address.scheme());
    }
}
