package io.tether.codec.ws;

import java.nio.charset.StandardCharsets;

/** Writes the server's answers to an upgrade request. */
final class HandshakeResponses {
    private HandshakeResponses() {
    }

    static byte[] switchingProtocols(final String accept, final String subprotocol) {
        final StringBuilder head = new StringBuilder(160)
            .append("HTTP/1.1 101 Switching Protocols\r\n")
            .append("Upgrade: websocket\r\n")
            .append("Connection: Upgrade\r\n")
            .append("Sec-WebSocket-Accept: ").append(accept).append("\r\n");
        if (subprotocol != null) {
            head.append("Sec-WebSocket-Protocol: ").append(subprotocol).append("\r\n");
        }
        // No Sec-WebSocket-Extensions: extensions (permessage-deflate) are declined by silence.
        return head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] rejection(final int status, final String reason) {
        final byte[] body = (reason.replaceAll("[\\r\\n]", " ") + "\n").getBytes(StandardCharsets.UTF_8);
        final StringBuilder head = new StringBuilder(200)
            .append("HTTP/1.1 ").append(status).append(' ').append(reasonPhrase(status)).append("\r\n");
        if (status == 426) {
            head.append("Sec-WebSocket-Version: 13\r\n");
        }
        head.append("Content-Type: text/plain; charset=utf-8\r\n")
            .append("Content-Length: ").append(body.length).append("\r\n")
            .append("Connection: close\r\n\r\n");
        final byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
        final byte[] response = java.util.Arrays.copyOf(headBytes, headBytes.length + body.length);
        System.arraycopy(body, 0, response, headBytes.length, body.length);
        return response;
    }

    static String reasonPhrase(final int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 426 -> "Upgrade Required";
            case 431 -> "Request Header Fields Too Large";
            default -> "Error";
        };
    }
}
