package io.tether.codec.ws;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Drives a decoder the way the event loop does: each read lands after the tail the previous call
 * left unconsumed, and whatever is left again becomes the tail.
 */
final class DecoderHarness {
    final RecordingListener listener = new RecordingListener();
    final WebSocketFrameDecoder decoder;
    private byte[] tail = new byte[0];

    DecoderHarness(final WebSocketRole role, final int maxMessageSize, final TextPolicy textPolicy) {
        decoder = new WebSocketFrameDecoder(role, maxMessageSize, textPolicy, listener);
    }

    static DecoderHarness server() {
        return new DecoderHarness(WebSocketRole.SERVER, 1 << 20, TextPolicy.VALIDATE);
    }

    static DecoderHarness client() {
        return new DecoderHarness(WebSocketRole.CLIENT, 1 << 20, TextPolicy.VALIDATE);
    }

    DecoderHarness feed(final byte[] read) {
        final byte[] joined = Arrays.copyOf(tail, tail.length + read.length);
        System.arraycopy(read, 0, joined, tail.length, read.length);
        final ByteBuffer in = ByteBuffer.wrap(joined);
        final int consumed = decoder.decode(in);
        if (consumed != in.position()) {
            throw new AssertionError("decode returned " + consumed + " but moved " + in.position());
        }
        tail = Arrays.copyOfRange(joined, in.position(), joined.length);
        return this;
    }

    /** Feeds the stream split into reads at the given offsets. */
    DecoderHarness feedSplit(final byte[] stream, final int... cuts) {
        int from = 0;
        for (final int cut : cuts) {
            feed(Arrays.copyOfRange(stream, from, cut));
            from = cut;
        }
        return feed(Arrays.copyOfRange(stream, from, stream.length));
    }

    List<String> events() {
        return listener.events;
    }

    int tailLength() {
        return tail.length;
    }
}
