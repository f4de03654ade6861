package io.tether.codec.ws;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Any byte stream, read whole or split, must yield only declared outcomes: messages within the
 * limit, valid text, at most one error with a 100x code, nothing after an error or a close, and the
 * same events wherever the stream was split. Seeds: WebSocketFrameDecoderFuzzTestInputs/.
 */
class WebSocketFrameDecoderFuzzTest {
    private static final int MAX_MESSAGE = 512;
    private static final Set<String> ERROR_CODES = Set.of("error:1002", "error:1003", "error:1007", "error:1009");

    @FuzzTest(maxDuration = "60s")
    void fuzzFrameDecoder(final byte[] input) {
        for (final WebSocketRole role : WebSocketRole.values()) {
            for (final TextPolicy policy : TextPolicy.values()) {
                final List<String> whole = decode(role, policy, input);
                checkOutcomes(whole);
                final int[] cuts = {input.length / 3, input.length / 2, input.length - 1};
                for (final int cut : cuts) {
                    if (cut > 0) {
                        final List<String> split = harness(role, policy).feedSplit(input, cut).events();
                        if (!split.equals(whole)) {
                            throw new AssertionError("split at " + cut + " gave " + split + " instead of " + whole);
                        }
                    }
                }
            }
        }
    }

    private static List<String> decode(final WebSocketRole role, final TextPolicy policy, final byte[] input) {
        final DecoderHarness harness = harness(role, policy);
        // A copy: the decoder unmasks in place, and every run must see the original bytes.
        final ByteBuffer in = ByteBuffer.wrap(input.clone());
        final int consumed = harness.decoder.decode(in);
        if (consumed < 0 || consumed > input.length || consumed != in.position() || in.limit() != input.length) {
            throw new AssertionError("consumed " + consumed + ", position " + in.position() + ", limit " + in.limit());
        }
        if (harness.decoder.state() != WebSocketFrameDecoder.State.OPEN && harness.decoder.decode(in) != 0) {
            throw new AssertionError("consumed bytes after " + harness.decoder.state());
        }
        return harness.events();
    }

    private static DecoderHarness harness(final WebSocketRole role, final TextPolicy policy) {
        return new DecoderHarness(role, MAX_MESSAGE, policy);
    }

    private static void checkOutcomes(final List<String> events) {
        for (int i = 0; i < events.size(); i++) {
            final String event = events.get(i);
            final boolean terminal = event.startsWith("error:") || event.startsWith("close:");
            if (terminal && i != events.size() - 1) {
                throw new AssertionError("events after " + event + ": " + events);
            }
            if (event.startsWith("invalid-text:")) {
                throw new AssertionError("delivered text that is not UTF-8: " + event);
            }
            if (event.startsWith("error:") && !ERROR_CODES.contains(event)) {
                throw new AssertionError("undeclared close code " + event);
            }
            if ((event.startsWith("binary:") && event.length() - 7 > 2 * MAX_MESSAGE)
                || ((event.startsWith("ping:") || event.startsWith("pong:")) && event.length() - 5 > 2 * 125)) {
                throw new AssertionError("payload over its limit: " + event.length());
            }
            if (event.startsWith("text:") && event.substring(5).getBytes(StandardCharsets.UTF_8).length > MAX_MESSAGE) {
                throw new AssertionError("text over the limit");
            }
        }
    }
}
