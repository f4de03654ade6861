package io.tether.codec.ws;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Writes down every event as a line a reader can compare: {@code binary:0a0b}, {@code close:1000:bye}. */
final class RecordingListener implements WebSocketFrameListener {
    final List<String> events = new ArrayList<>();

    @Override
    public void onBinary(final ByteBuffer payload) {
        events.add("binary:" + hex(payload));
    }

    @Override
    public void onText(final ByteBuffer utf8) {
        final ByteBuffer view = utf8.duplicate();
        try {
            // Strict: the decoder promised valid UTF-8, so anything else is recorded as a defect.
            events.add("text:" + StandardCharsets.UTF_8.newDecoder().decode(utf8));
        } catch (final CharacterCodingException e) {
            events.add("invalid-text:" + hex(view));
        }
    }

    @Override
    public void onPing(final ByteBuffer payload) {
        events.add("ping:" + hex(payload));
    }

    @Override
    public void onPong(final ByteBuffer payload) {
        events.add("pong:" + hex(payload));
    }

    @Override
    public void onClose(final int code, final String reason) {
        events.add("close:" + code + ":" + reason);
    }

    @Override
    public void onError(final int closeCode, final String reason) {
        events.add("error:" + closeCode);
    }

    private static String hex(final ByteBuffer payload) {
        final byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
