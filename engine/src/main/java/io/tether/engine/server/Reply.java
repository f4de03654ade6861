package io.tether.engine.server;

import com.google.protobuf.ByteString;
import io.tether.codec.Status;

/** What a handler answers: a status (gRPC numbering), a payload, and an error message when the status is not OK. */
public record Reply(int status, ByteString payload, String error) {
    private static final Reply EMPTY_OK = new Reply(Status.OK, ByteString.EMPTY, "");

    /** A null payload or error is taken as empty. */
    public Reply {
        payload = payload == null ? ByteString.EMPTY : payload;
        error = error == null ? "" : error;
    }

    /** OK with an empty payload. */
    public static Reply ok() {
        return EMPTY_OK;
    }

    /** OK with {@code payload}. */
    public static Reply ok(ByteString payload) {
        return new Reply(Status.OK, payload, "");
    }

    /** OK with a copy of {@code payload}. */
    public static Reply ok(byte[] payload) {
        return new Reply(Status.OK, ByteString.copyFrom(payload), "");
    }

    /**
     * A failure: {@code status} (gRPC's numbering, docs/PROTOCOL.md section 4) and a message for the client.
     *
     * @throws IllegalArgumentException when {@code status} is {@link Status#OK}
     */
    public static Reply error(int status, String message) {
        if (status == Status.OK) {
            throw new IllegalArgumentException("an error needs a status other than OK");
        }
        return new Reply(status, ByteString.EMPTY, message);
    }
}
