package io.tether.codec;

/**
 * Goodbye codes. They reuse WebSocket's close codes where the meaning is the same, so one code tells a client
 * why it was closed on either transport; tether's own reasons use the private range 4000-4999.
 */
public final class GoodbyeCode {
    /** The peer closes on purpose, nothing wrong. */
    public static final int NORMAL = 1000;
    /** The server is shutting down. */
    public static final int GOING_AWAY = 1001;
    /** A frame out of order (anything before Hello, a second Hello) or an otherwise invalid exchange. */
    public static final int PROTOCOL_ERROR = 1002;
    /** The bytes are not a valid frame: garbage, a malformed length, an unparseable Frame. */
    public static final int INVALID_FRAME = 1007;
    /** A frame longer than the server's maximum frame size. */
    public static final int FRAME_TOO_LARGE = 1009;
    /** The server failed unexpectedly. */
    public static final int INTERNAL_ERROR = 1011;
    /** No Hello within the handshake timeout. */
    public static final int HANDSHAKE_TIMEOUT = 4000;
    /** No traffic from the peer for too many heartbeat intervals. */
    public static final int HEARTBEAT_TIMEOUT = 4001;
    /** The client did not read what the server sent for too long. */
    public static final int SLOW_CONSUMER = 4002;
    /** The application closed the session. */
    public static final int KICKED = 4003;
    /** Another connection resumed this session. */
    public static final int SESSION_TAKEN_OVER = 4004;
    /** Refused by admission control or a rate limit. */
    public static final int OVERLOADED = 4008;
    /**
     * This node does not serve the session now (draining, or not owning sessions while cut off from its cluster):
     * reconnect at once, to reconnect_to when set, and resume there.
     */
    public static final int REDIRECT = 4009;

    private GoodbyeCode() {
    }
}
