package io.tether.engine.server;

import com.google.protobuf.ByteString;
import io.tether.codec.proto.Request;
import java.util.Map;

/** One request as a handler sees it: the request itself and the session it came from. */
public final class Call {
    private final ServerSession session;
    private final Request request;

    Call(ServerSession session, Request request) {
        this.session = session;
        this.request = request;
    }

    /** The request's id, unique in its session. */
    public long id() {
        return request.getId();
    }

    /** The method it was sent to. */
    public String method() {
        return request.getMethod();
    }

    /** The request's payload. */
    public ByteString payload() {
        return request.getPayload();
    }

    /** The request's headers (a {@code traceparent}, for one), empty when it has none. */
    public Map<String, String> headers() {
        return request.getHeadersMap();
    }

    /** A header's value, or {@code null}. */
    public String header(String name) {
        return request.getHeadersOrDefault(name, null);
    }

    /** The id of the session it came from, to push to. */
    public String sessionId() {
        return session.id();
    }

    /** The client id the session said in its Hello. */
    public String clientId() {
        return session.clientId();
    }

    /**
     * The client's verified certificate identity (subject, SANs, chain) on a tls:// or wss:// listener with client
     * certificates; null otherwise.
     */
    public io.tether.tls.PeerIdentity peer() {
        return session.peer();
    }

    /** The server it came to. */
    public TetherServer server() {
        return session.server();
    }
}
