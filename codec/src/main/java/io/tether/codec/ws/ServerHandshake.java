package io.tether.codec.ws;

import java.nio.ByteBuffer;

/**
 * The server side of the opening handshake (RFC 6455 section 4.2) for one connection.
 *
 * <p>Feed it the connection's first bytes with {@link #decode(ByteBuffer)} as they arrive; it
 * consumes only the request head, so a frame sent right behind it stays in the buffer. Once it
 * returns true, {@link #result()} is the decision and its {@code response()} the bytes to send.
 * Checks run in this order, the first failure deciding the status: head over 8 KiB (431), request
 * line, method GET and HTTP/1.1 (400), path (404), {@code Host}, {@code Upgrade: websocket} and
 * {@code Connection: upgrade} (400), {@code Sec-WebSocket-Version: 13}, missing or other (426),
 * {@code Sec-WebSocket-Key} (400), {@code Origin} (403). Extensions are never negotiated.
 */
public final class ServerHandshake {
    private final UpgradePolicy policy;
    private final HttpHeadParser head = new HttpHeadParser();
    private UpgradeResult result;

    public ServerHandshake(final UpgradePolicy policy) {
        this.policy = policy;
    }

    /**
     * Consumes request-head bytes.
     *
     * @return true once the head is complete or refused, when {@link #result()} is set
     */
    public boolean decode(final ByteBuffer in) {
        if (result != null) {
            return true;
        }
        result = switch (head.parse(in)) {
            case INCOMPLETE -> null;
            case TOO_LARGE -> new UpgradeRejected(431, "request head exceeds 8 KiB");
            case MALFORMED -> new UpgradeRejected(400, "malformed request head");
            case COMPLETE -> validate();
        };
        return result != null;
    }

    /** The decision, or null while the head is incomplete. */
    public UpgradeResult result() {
        return result;
    }

    private UpgradeResult validate() {
        final String[] requestLine = head.startLine().split(" ", -1);
        if (requestLine.length != 3) {
            return bad("malformed request line");
        }
        if (!requestLine[0].equals("GET")) {
            return bad("method must be GET");
        }
        if (!requestLine[2].equals("HTTP/1.1")) {
            return bad("protocol must be HTTP/1.1");
        }
        final String target = requestLine[1];
        if (!target.startsWith("/") || target.indexOf('#') >= 0) {
            return bad("request target must be an absolute path");
        }
        final int question = target.indexOf('?');
        final String path = question < 0 ? target : target.substring(0, question);
        final String query = question < 0 ? null : target.substring(question + 1);
        if (!policy.acceptsPath(path)) {
            return new UpgradeRejected(404, "no WebSocket endpoint at " + path);
        }
        if (head.count("host") != 1) {
            return bad("exactly one Host header required");
        }
        if (!head.hasToken("upgrade", "websocket", true)) {
            return bad("Upgrade: websocket required");
        }
        if (!head.hasToken("connection", "upgrade", true)) {
            return bad("Connection: upgrade required");
        }
        if (head.count("sec-websocket-version") != 1 || !"13".equals(head.value("sec-websocket-version"))) {
            return new UpgradeRejected(426, "WebSocket version 13 required");
        }
        final String key = head.value("sec-websocket-key");
        if (head.count("sec-websocket-key") != 1 || !WebSocketAccept.isValidKey(key)) {
            return bad("Sec-WebSocket-Key must be base64 of 16 bytes");
        }
        final String origin = head.value("origin");
        if (head.count("origin") > 1 || !policy.acceptsOrigin(origin)) {
            return new UpgradeRejected(403, "origin not allowed");
        }
        return new UpgradeAccepted(path, query, selectSubprotocol(), WebSocketAccept.of(key), head.fields());
    }

    private String selectSubprotocol() {
        for (final String candidate : policy.subprotocols()) {
            // Subprotocol names are compared exactly; only the HTTP tokens above ignore case.
            if (head.hasToken("sec-websocket-protocol", candidate, false)) {
                return candidate;
            }
        }
        return null;
    }

    private static UpgradeRejected bad(final String reason) {
        return new UpgradeRejected(400, reason);
    }
}
