package io.tether.codec.ws;

/** Close status codes of RFC 6455 section 7.4 and the IANA registry, and which may travel on the wire. */
public final class WebSocketCloseCode {
    public static final int NORMAL = 1000;
    public static final int GOING_AWAY = 1001;
    public static final int PROTOCOL_ERROR = 1002;
    public static final int UNSUPPORTED_DATA = 1003;
    /** Reported locally when a close frame carried no code; never sent. */
    public static final int NO_STATUS = 1005;
    /** Reported locally when the connection dropped without a close frame; never sent. */
    public static final int ABNORMAL = 1006;
    public static final int INVALID_PAYLOAD = 1007;
    public static final int POLICY_VIOLATION = 1008;
    public static final int MESSAGE_TOO_BIG = 1009;
    public static final int INTERNAL_ERROR = 1011;
    public static final int TRY_AGAIN_LATER = 1013;

    private WebSocketCloseCode() {
    }

    /**
     * Whether a peer may put this code in a close frame: 1000-1003 and 1007-1014 (registered),
     * 3000-4999 (libraries and applications). 1004 is reserved, 1005, 1006 and 1015 are for local
     * reporting only, and 1016-2999 are unassigned.
     */
    public static boolean isValidOnWire(final int code) {
        if (code >= 3000) {
            return code <= 4999;
        }
        return code >= 1000 && code <= 1014 && code != 1004 && code != NO_STATUS && code != ABNORMAL;
    }
}
