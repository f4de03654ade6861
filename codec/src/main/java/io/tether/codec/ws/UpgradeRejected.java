package io.tether.codec.ws;

/**
 * A refused upgrade: write {@link #response()} and close the connection.
 *
 * @param status 400 bad request, 403 origin not allowed, 404 unknown path, 426 unsupported
 *               WebSocket version (the response names version 13), 431 head over 8 KiB
 * @param reason a short explanation, sent as the plain-text body
 */
public record UpgradeRejected(int status, String reason) implements UpgradeResult {
    @Override
    public byte[] response() {
        return HandshakeResponses.rejection(status, reason);
    }
}
