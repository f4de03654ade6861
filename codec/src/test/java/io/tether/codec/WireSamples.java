package io.tether.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Field values that stress the wire format: varint size boundaries, UTF-8 of every width, every ByteString shape. */
final class WireSamples {
    /** uint64 values on each varint size boundary, and the top half of the range as negative longs. */
    static final long[] UINT64 = {
        0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 0xFFFF_FFFFL, 1L << 35, 1L << 56, Long.MAX_VALUE,
        Long.MIN_VALUE, -2, -1,
    };

    /** uint32 values on each varint size boundary; negative ints are the values above 2^31-1. */
    static final int[] UINT32 = {0, 1, 127, 128, 16_383, 16_384, 1 << 28, Integer.MAX_VALUE, Integer.MIN_VALUE, -1};

    static final String[] STRINGS = {
        "", "a", "echo", "\u00E9", "\u20AC", "\u65E5\u672C\u8A9E", "\uD83D\uDE00", "a\uD83D\uDE00b",
        "\uD83D", "\uDE00", "\uDE00\uD83D", "x\uD83Dy", "\uD83D\uD83D\uDE00", "\u0000",
        "\u007F\u0080\u07FF\u0800\uFFFF",
        "x".repeat(127), "x".repeat(128), "\u00E9".repeat(64), "\uD83D\uDE00".repeat(5_000),
    };

    static final List<ByteString> PAYLOADS = List.of(
        ByteString.EMPTY,
        ByteString.copyFrom(new byte[] {0}),
        randomBytes(127, 1),
        randomBytes(128, 2),
        randomBytes(70_000, 3),
        randomBytes(300, 4).substring(17, 250),
        randomBytes(100, 5).concat(randomBytes(200, 6)),
        direct(randomBytes(1_000, 7)));

    static final List<Map<String, String>> MAPS = List.of(
        Map.of(),
        Map.of("", ""),
        Map.of("k", ""),
        Map.of("", "v"),
        ordered("to", "s-1", "topic", "news"),
        manyEntries(40));

    private WireSamples() {
    }

    static ByteString randomBytes(int length, long seed) {
        final byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return ByteString.copyFrom(bytes);
    }

    /** A ByteString over direct memory, which copies out through a different path than an array-backed one. */
    static ByteString direct(ByteString bytes) {
        final ByteBuffer memory = ByteBuffer.allocateDirect(bytes.size());
        bytes.copyTo(memory);
        return UnsafeByteOperations.unsafeWrap(memory.flip());
    }

    static Map<String, String> ordered(String... keysAndValues) {
        final Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static Map<String, String> manyEntries(int count) {
        final Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            map.put(i == 0 ? "" : STRINGS[i % 15] + i, STRINGS[(i * 7) % 15]);
        }
        return map;
    }

    static long uint64(Random random) {
        return random.nextInt(3) == 0 ? UINT64[random.nextInt(UINT64.length)]
            : random.nextLong() >>> random.nextInt(64);
    }

    static int uint32(Random random) {
        return random.nextInt(3) == 0 ? UINT32[random.nextInt(UINT32.length)] : random.nextInt() >>> random.nextInt(32);
    }

    /** A string of up to {@code maxChars} chars drawn from every UTF-8 width, pairs and unpaired surrogates. */
    static String string(Random random, int maxChars) {
        final int length = random.nextInt(maxChars + 1);
        final StringBuilder s = new StringBuilder(length);
        while (s.length() < length) {
            switch (random.nextInt(6)) {
                case 0 -> s.append((char) random.nextInt(0x80));
                case 1 -> s.append((char) (0x80 + random.nextInt(0x800 - 0x80)));
                case 2 -> s.append((char) (0xE000 + random.nextInt(0x10000 - 0xE000)));
                case 3 -> s.appendCodePoint(0x10000 + random.nextInt(0x110000 - 0x10000));
                case 4 -> s.append((char) (0xD800 + random.nextInt(0x800)));
                default -> s.append("echo");
            }
        }
        return s.toString();
    }

    static ByteString bytes(Random random, int maxLength) {
        final byte[] bytes = new byte[random.nextInt(maxLength + 1)];
        random.nextBytes(bytes);
        return ByteString.copyFrom(bytes);
    }

    static Map<String, String> map(Random random) {
        final Map<String, String> map = new LinkedHashMap<>();
        final int entries = random.nextInt(4) == 0 ? 0 : random.nextInt(6);
        for (int i = 0; i < entries; i++) {
            map.put(string(random, 8), string(random, 12));
        }
        return map;
    }

    /** Random values for a frame of a random kind. */
    static FrameValues frame(Random r) {
        return switch (r.nextInt(9)) {
            case 0 -> new FrameValues.ResponseValues(uint64(r), uint32(r), bytes(r, 300), string(r, 20));
            case 1 -> new FrameValues.PushValues(uint64(r), string(r, 20), bytes(r, 300));
            case 2 -> new FrameValues.RequestValues(uint64(r), string(r, 10), bytes(r, 300), map(r));
            case 3 -> new FrameValues.HelloValues(string(r, 20), bytes(r, 40).toByteArray(), uint64(r), map(r));
            case 4 -> new FrameValues.WelcomeValues(string(r, 20), bytes(r, 40).toByteArray(), r.nextBoolean(),
                uint32(r));
            case 5 -> new FrameValues.GoodbyeValues(uint32(r), string(r, 30), uint32(r), string(r, 30));
            case 6 -> new FrameValues.AckValues(uint64(r));
            case 7 -> new FrameValues.PingValues(uint64(r));
            default -> new FrameValues.PongValues(uint64(r));
        };
    }
}
