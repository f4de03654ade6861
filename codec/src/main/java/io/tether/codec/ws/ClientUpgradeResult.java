package io.tether.codec.ws;

import java.util.List;

/** What the client made of the server's answer to its upgrade request. */
public sealed interface ClientUpgradeResult {
    /**
     * The server switched to WebSocket.
     *
     * @param subprotocol the subprotocol the server selected among those offered, or null
     * @param headers     the response headers, names lower-cased
     */
    record Upgraded(String subprotocol, List<HeaderField> headers) implements ClientUpgradeResult {
        public Upgraded {
            headers = List.copyOf(headers);
        }
    }

    /**
     * The handshake failed; close the connection.
     *
     * @param status the server's HTTP status (101 when it switched but broke a rule, 0 when the
     *               response head itself was malformed or too large)
     */
    record Failed(int status, String reason) implements ClientUpgradeResult {
    }
}
