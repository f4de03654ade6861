package io.tether.engine.config;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * One {@code --listen} value: {@code tcp://HOST:PORT} (tether frames, varint32-delimited),
 * {@code ws://HOST:PORT/PATH} (tether frames in WebSocket binary messages) or {@code ws+echo://HOST:PORT/PATH}
 * (plain WebSocket, every message echoed), {@code tls://HOST:PORT} and {@code wss://HOST:PORT/PATH} (the same in TLS).
 * Port 0 asks the OS for an ephemeral port.
 */
public record ListenAddress(String scheme, String host, int port, String path) {
    public static final String TCP = "tcp";
    public static final String WS = "ws";
    public static final String WS_ECHO = "ws+echo";
    public static final String TLS = "tls";
    public static final String WSS = "wss";
    private static final java.util.Set<String> SCHEMES = java.util.Set.of(TCP, WS, WS_ECHO, TLS, WSS);

    /** Reads a {@code --listen} value; an IllegalArgumentException says what is wrong with it. */
    public static ListenAddress parse(String text) {
        final URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + text + "' is not a listen address (tcp://HOST:PORT or "
                + "ws://HOST:PORT/PATH)");
        }
        final String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!SCHEMES.contains(scheme)) {
            throw new IllegalArgumentException("'" + text + "': unsupported scheme '" + scheme
                + "' (supported: tcp, ws, ws+echo, tls, wss)");
        }
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException("'" + text + "' needs a host and a port, as in tcp://0.0.0.0:7000");
        }
        final String path = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath();
        return new ListenAddress(scheme, uri.getHost(), uri.getPort(), path);
    }

    /** ws://, ws+echo:// or wss://. */
    public boolean isWebSocket() {
        return scheme.startsWith(WS);
    }

    /** tls:// (TCP framing in TLS) or wss:// (WebSocket in TLS). */
    public boolean isTls() {
        return scheme.equals(TLS) || scheme.equals(WSS);
    }

    /** The host and port to bind. */
    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return scheme + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port
            + (path.equals("/") ? "" : path);
    }
}
