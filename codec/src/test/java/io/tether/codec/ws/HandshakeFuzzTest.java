package io.tether.codec.ws;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Any request or response head, whole or split, ends in a declared outcome within the 8 KiB limit,
 * and the outcome does not depend on where the bytes were split. Seeds: HandshakeFuzzTestInputs/.
 */
class HandshakeFuzzTest {
    private static final Set<Integer> SERVER_STATUSES = Set.of(400, 403, 404, 426, 431);
    private static final UpgradePolicy POLICY = UpgradePolicy.forPath("/chat").withAllowedOrigins("http://example.com");

    @FuzzTest(maxDuration = "60s")
    void fuzzServerHandshake(final byte[] input) {
        final ServerHandshake whole = new ServerHandshake(POLICY);
        final ByteBuffer in = ByteBuffer.wrap(input);
        final boolean done = whole.decode(in);
        checkConsumed(done, in, input.length);
        if (done) {
            final UpgradeResult result = whole.result();
            if (result instanceof UpgradeRejected rejected && !SERVER_STATUSES.contains(rejected.status())) {
                throw new AssertionError("undeclared status " + rejected.status());
            }
            if (!new String(result.response(), StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 ")) {
                throw new AssertionError("response is not HTTP/1.1");
            }
        }
        final ServerHandshake split = new ServerHandshake(POLICY);
        feedSplit(input, split::decode);
        if (!java.util.Objects.equals(whole.result(), split.result())) {
            throw new AssertionError(whole.result() + " whole but " + split.result() + " split");
        }
    }

    @FuzzTest(maxDuration = "60s")
    void fuzzClientHandshake(final byte[] input) {
        final ClientHandshake whole = handshake();
        final ByteBuffer in = ByteBuffer.wrap(input);
        final boolean done = whole.decode(in);
        checkConsumed(done, in, input.length);
        final ClientHandshake split = handshake();
        feedSplit(input, split::decode);
        if (!java.util.Objects.equals(whole.result(), split.result())) {
            throw new AssertionError(whole.result() + " whole but " + split.result() + " split");
        }
    }

    /** A fixed key, so seeds can hold its accept value: key AAECAwQFBgcICQoLDA0ODw==. */
    private static ClientHandshake handshake() {
        return new ClientHandshake("h", "/chat", List.of("tether.v1"), null, new CountingBytes());
    }

    private static void checkConsumed(final boolean done, final ByteBuffer in, final int length) {
        if (in.position() > HttpHeadParser.MAX_HEAD_LENGTH) {
            throw new AssertionError("consumed " + in.position() + " bytes, over the head limit");
        }
        if (!done && in.position() != length) {
            throw new AssertionError("incomplete but left " + in.remaining() + " bytes unread");
        }
    }

    private static void feedSplit(final byte[] input, final java.util.function.Predicate<ByteBuffer> decode) {
        int from = 0;
        for (final int cut : new int[] {input.length / 3, input.length / 2, input.length}) {
            if (decode.test(ByteBuffer.wrap(Arrays.copyOfRange(input, from, Math.max(from, cut))))) {
                return;
            }
            from = Math.max(from, cut);
        }
    }

    /** Bytes 0, 1, 2, ... so the client key is fixed. */
    private static final class CountingBytes implements java.util.random.RandomGenerator {
        @Override
        public void nextBytes(final byte[] bytes) {
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) i;
            }
        }

        @Override
        public long nextLong() {
            return 0;
        }
    }
}
