package io.tether.codec.ws;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Builds frames byte by byte, independently of the encoder under test. */
final class TestFrames {
    static final int KEY = 0x37FA213D;

    private TestFrames() {
    }

    static byte[] masked(final int opcode, final boolean fin, final byte[] payload) {
        return frame(fin, 0, opcode, KEY, true, payload, -1);
    }

    static byte[] unmasked(final int opcode, final boolean fin, final byte[] payload) {
        return frame(fin, 0, opcode, 0, false, payload, -1);
    }

    /**
     * @param lengthBytes -1 for the minimal length encoding, else 0, 2 or 8 to force that form
     */
    static byte[] frame(
        final boolean fin, final int rsv, final int opcode, final int key, final boolean masked,
        final byte[] payload, final int lengthBytes) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | rsv << 4 | opcode);
        final int maskBit = masked ? 0x80 : 0;
        final int form = lengthBytes >= 0 ? lengthBytes : payload.length <= 125 ? 0 : payload.length <= 0xFFFF ? 2 : 8;
        if (form == 0) {
            out.write(maskBit | payload.length);
        } else if (form == 2) {
            out.write(maskBit | 126);
            out.write(payload.length >>> 8);
            out.write(payload.length);
        } else {
            out.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) ((long) payload.length >>> shift));
            }
        }
        if (masked) {
            for (int shift = 24; shift >= 0; shift -= 8) {
                out.write(key >>> shift);
            }
        }
        for (int i = 0; i < payload.length; i++) {
            out.write(masked ? payload[i] ^ (key >>> (24 - 8 * (i & 3))) : payload[i]);
        }
        return out.toByteArray();
    }

    static byte[] closePayload(final int code, final byte[] reason) {
        final byte[] payload = new byte[2 + reason.length];
        payload[0] = (byte) (code >>> 8);
        payload[1] = (byte) code;
        System.arraycopy(reason, 0, payload, 2, reason.length);
        return payload;
    }

    static byte[] utf8(final String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] hex(final String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    static byte[] concat(final byte[]... parts) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
