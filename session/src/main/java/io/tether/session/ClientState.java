package io.tether.session;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a client connection stands. The legal moves:
 * <pre>
 *   IDLE ──► CONNECTING ──► ESTABLISHED ──► RECONNECTING ──► CONNECTING ...
 *               │               │               │
 *               ├──► RECONNECTING (attempt failed, wait the backoff delay)
 *               │               └──► FAILED (the server said not to come back: kicked, taken over)
 *               └──► FAILED ◄───────────────────┘ (retry budget spent)
 *
 *   any state but CLOSED ──► CLOSED (closed on purpose)
 * </pre>
 * RECONNECTING means "waiting out the backoff delay"; each attempt is a fresh CONNECTING, so a
 * listener sees every attempt. FAILED can still be closed, to release what the client holds.
 */
public enum ClientState {
    IDLE,
    CONNECTING,
    ESTABLISHED,
    RECONNECTING,
    FAILED,
    CLOSED;

    private Set<ClientState> next;

    static {
        IDLE.next = EnumSet.of(CONNECTING, CLOSED);
        CONNECTING.next = EnumSet.of(ESTABLISHED, RECONNECTING, FAILED, CLOSED);
        ESTABLISHED.next = EnumSet.of(RECONNECTING, FAILED, CLOSED);
        RECONNECTING.next = EnumSet.of(CONNECTING, FAILED, CLOSED);
        FAILED.next = EnumSet.of(CLOSED);
        CLOSED.next = EnumSet.noneOf(ClientState.class);
    }

    /** Whether a client in this state may move to {@code to}. */
    public boolean canMoveTo(final ClientState to) {
        return next.contains(to);
    }

    /** Whether the client will never connect again from here. */
    public boolean isTerminal() {
        return this == FAILED || this == CLOSED;
    }
}
