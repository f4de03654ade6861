package io.tether.codec.ws;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * The client side of the opening handshake (RFC 6455 section 4.1) for one connection: writes the
 * upgrade request with a random key, then validates the server's response head, fed with
 * {@link #decode(ByteBuffer)} as it arrives. Only the head is consumed, so frames the server sends
 * right behind it stay in the buffer for the frame decoder.
 */
public final class ClientHandshake {
    private final String host;
    private final String path;
    private final List<String> subprotocols;
    private final String origin;
    private final String key;
    private final HttpHeadParser head = new HttpHeadParser();
    private ClientUpgradeResult result;

    /**
     * @param host         the {@code Host} header value, {@code host[:port]}
     * @param path         the request target, starting with {@code /}, query included
     * @param subprotocols subprotocols to offer, in order of preference; may be empty
     * @param origin       the {@code Origin} to send, or null for none
     * @param random       where the 16-byte key comes from
     */
    public ClientHandshake(
        final String host, final String path, final List<String> subprotocols, final String origin,
        final RandomGenerator random) {
        requireHeaderSafe(host, "host");
        requireHeaderSafe(path, "path");
        if (origin != null) {
            requireHeaderSafe(origin, "origin");
        }
        if (!path.startsWith("/") || path.indexOf(' ') >= 0) {
            throw new IllegalArgumentException("path must start with / and hold no spaces: " + path);
        }
        for (final String subprotocol : subprotocols) {
            if (!TokenList.isToken(subprotocol)) {
                throw new IllegalArgumentException("subprotocol is not a token: " + subprotocol);
            }
        }
        this.host = host;
        this.path = path;
        this.subprotocols = List.copyOf(subprotocols);
        this.origin = origin;
        final byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        this.key = WebSocketAccept.keyOf(nonce);
    }

    /** A handshake offering the tether subprotocol, keyed from {@link ThreadLocalRandom}. */
    public static ClientHandshake forTether(final String host, final String path) {
        return new ClientHandshake(host, path, List.of(UpgradePolicy.TETHER_SUBPROTOCOL), null, ThreadLocalRandom.current());
    }

    public String key() {
        return key;
    }

    /** The upgrade request to send. */
    public byte[] request() {
        final StringBuilder request = new StringBuilder(256)
            .append("GET ").append(path).append(" HTTP/1.1\r\n")
            .append("Host: ").append(host).append("\r\n")
            .append("Upgrade: websocket\r\n")
            .append("Connection: Upgrade\r\n")
            .append("Sec-WebSocket-Key: ").append(key).append("\r\n")
            .append("Sec-WebSocket-Version: 13\r\n");
        if (!subprotocols.isEmpty()) {
            request.append("Sec-WebSocket-Protocol: ").append(String.join(", ", subprotocols)).append("\r\n");
        }
        if (origin != null) {
            request.append("Origin: ").append(origin).append("\r\n");
        }
        return request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Consumes response-head bytes.
     *
     * @return true once the head is complete or broken, when {@link #result()} is set
     */
    public boolean decode(final ByteBuffer in) {
        if (result != null) {
            return true;
        }
        result = switch (head.parse(in)) {
            case INCOMPLETE -> null;
            case TOO_LARGE -> new ClientUpgradeResult.Failed(0, "response head exceeds 8 KiB");
            case MALFORMED -> new ClientUpgradeResult.Failed(0, "malformed response head");
            case COMPLETE -> validate();
        };
        return result != null;
    }

    /** The verdict, or null while the head is incomplete. */
    public ClientUpgradeResult result() {
        return result;
    }

    private ClientUpgradeResult validate() {
        final String statusLine = head.startLine();
        final int status = statusCode(statusLine);
        if (status < 0) {
            return new ClientUpgradeResult.Failed(0, "malformed status line");
        }
        if (status != 101) {
            return new ClientUpgradeResult.Failed(status, "server refused the upgrade: " + statusLine);
        }
        if (!head.hasToken("upgrade", "websocket", true) || !head.hasToken("connection", "upgrade", true)) {
            return failed("response lacks Upgrade: websocket or Connection: upgrade");
        }
        if (head.count("sec-websocket-accept") != 1
            || !WebSocketAccept.of(key).equals(head.value("sec-websocket-accept"))) {
            return failed("Sec-WebSocket-Accept does not match the key");
        }
        if (head.count("sec-websocket-extensions") > 0) {
            return failed("server selected an extension that was not offered");
        }
        final int protocols = head.count("sec-websocket-protocol");
        final String selected = head.value("sec-websocket-protocol");
        if (protocols > 1 || (selected != null && !subprotocols.contains(selected))) {
            return failed("server selected a subprotocol that was not offered");
        }
        return new ClientUpgradeResult.Upgraded(selected, head.fields());
    }

    /** {@code HTTP/1.1 SP 3DIGIT [SP reason]}: the code, or -1. */
    private static int statusCode(final String statusLine) {
        if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.length() < 12
            || (statusLine.length() > 12 && statusLine.charAt(12) != ' ')) {
            return -1;
        }
        int code = 0;
        for (int i = 9; i < 12; i++) {
            final char c = statusLine.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            code = code * 10 + (c - '0');
        }
        return code;
    }

    private static ClientUpgradeResult.Failed failed(final String reason) {
        return new ClientUpgradeResult.Failed(101, reason);
    }

    private static void requireHeaderSafe(final String value, final String what) {
        for (int i = 0; i < value.length(); i++) {
            final char c = value.charAt(i);
            if (c < 0x20 || c >= 0x7F) {
                throw new IllegalArgumentException(what + " must be printable ASCII: " + value);
            }
        }
    }
}
