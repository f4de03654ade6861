package io.tether.codec.ws;

import java.util.List;
import java.util.StringJoiner;

/**
 * An accepted upgrade. After writing {@link #response()} the connection speaks WebSocket frames.
 *
 * @param path        the request path, without the query
 * @param query       the query after {@code ?}, or null
 * @param subprotocol the selected subprotocol, or null when none was selected
 * @param accept      the {@code Sec-WebSocket-Accept} value
 * @param headers     every request header, names lower-cased
 */
public record UpgradeAccepted(String path, String query, String subprotocol, String accept, List<HeaderField> headers)
    implements UpgradeResult {

    public UpgradeAccepted {
        headers = List.copyOf(headers);
    }

    /** The first value of a header, or null; the name is matched ignoring case. */
    public String header(final String name) {
        for (final HeaderField field : headers) {
            if (field.name().equalsIgnoreCase(name)) {
                return field.value();
            }
        }
        return null;
    }

    public String origin() {
        return header("origin");
    }

    /** Every {@code X-Forwarded-For} value joined in order, or null when there was none. */
    public String forwardedFor() {
        final StringJoiner joined = new StringJoiner(", ");
        for (final HeaderField field : headers) {
            if (field.name().equals("x-forwarded-for")) {
                joined.add(field.value());
            }
        }
        return joined.length() == 0 ? null : joined.toString();
    }

    @Override
    public byte[] response() {
        return HandshakeResponses.switchingProtocols(accept, subprotocol);
    }
}
