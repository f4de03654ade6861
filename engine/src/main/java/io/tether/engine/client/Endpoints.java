package io.tether.engine.client;

import io.tether.telemetry.log.LogEvent;
import io.tether.tls.TlsContext;
import java.util.List;

/**
 * The nodes a client knows and the one its next attempt goes to: the endpoints of its list in turn (round robin,
 * from the first), or, for one attempt, the node a Goodbye 4009 (REDIRECT) named, after which the list goes on from
 * where it was. Every move to another endpoint is logged ({@code client.endpoint.next}). Loop only.
 */
final class Endpoints {
    private static final LogEvent NEXT = LogEvent.debug(Endpoints.class, "client.endpoint.next");
    private static final LogEvent REDIRECT_IGNORED = LogEvent.debug(Endpoints.class,
        "client.endpoint.redirect.ignored");

    private final List<Endpoint> list;
    private final TlsContext tls;
    /** The endpoint of the list tried last, or being tried (a redirect target is not in the list). */
    private int index;
    private Endpoint current;

    /** @param tls the TLS settings for redirect targets with tls:// and wss:// (null: none) */
    Endpoints(List<Endpoint> list, TlsContext tls) {
        if (list.isEmpty()) {
            throw new IllegalArgumentException("a client needs at least one endpoint");
        }
        this.list = List.copyOf(list);
        this.tls = tls;
        this.current = this.list.get(0);
    }

    /** The endpoint the attempt under way, or the next one, goes to. */
    Endpoint current() {
        return current;
    }

    /** Whether the list's last endpoint is the one tried last: moving on would start the list over. */
    boolean atEndOfList() {
        return index == list.size() - 1;
    }

    /** Moves on to the next endpoint of the list, after its last the first again. */
    void next(String reason) {
        index = (index + 1) % list.size();
        moveTo(list.get(index), reason);
    }

    /**
     * Makes the next attempt go to {@code reconnectTo}, a Goodbye 4009's, or to the next endpoint of the list when it
     * is empty or not a URL this client can connect to (that one is logged and ignored).
     */
    void redirect(String reconnectTo, String reason) {
        if (reconnectTo.isEmpty()) {
            next(reason);
            return;
        }
        final Endpoint target;
        try {
            target = Endpoint.parse(reconnectTo, tls);
        } catch (IllegalArgumentException e) {
            REDIRECT_IGNORED.log("from", current.url(), "reconnect_to", reconnectTo, "error", e.getMessage());
            next(reason);
            return;
        }
        moveTo(target, reason);
    }

    private void moveTo(Endpoint to, String reason) {
        if (!to.url().equals(current.url())) {
            NEXT.log("from", current.url(), "to", to.url(), "reason", reason);
        }
        current = to;
    }
}
