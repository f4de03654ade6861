package io.tether.codec.ws;

import java.nio.ByteBuffer;

/**
 * Receives what {@link WebSocketFrameDecoder} decodes, on the thread that calls {@code decode}.
 *
 * <p>A payload buffer is a view valid only during the call: its bytes live between position and
 * limit, in the caller's input buffer or the decoder's reassembly buffer, both reused afterwards.
 * A listener may read it (moving the position) but must copy what it keeps and must not call the
 * decoder back.
 */
public interface WebSocketFrameListener {
    /** A whole binary message, reassembled when it came in fragments. */
    void onBinary(ByteBuffer payload);

    /** A whole text message as UTF-8 bytes, already validated. */
    void onText(ByteBuffer utf8);

    /** A ping; answer with a pong carrying the same payload (at most 125 bytes). */
    void onPing(ByteBuffer payload);

    void onPong(ByteBuffer payload);

    /**
     * The peer's close frame, validated. {@code code} is {@link WebSocketCloseCode#NO_STATUS} when
     * the frame carried none. The decoder decodes nothing after it.
     */
    void onClose(int code, String reason);

    /**
     * The peer broke the protocol; reported once. The caller should send a close frame with
     * {@code closeCode} and close the connection; the decoder decodes nothing after it.
     */
    void onError(int closeCode, String reason);
}
