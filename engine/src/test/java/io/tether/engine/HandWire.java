package io.tether.engine;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * tether's wire format written and read by hand, from tether.proto alone: varints, protobuf fields and the varint32
 * length prefix. It uses no tether class and no generated code, so a test built on it checks the server against
 * the published contract rather than against the server's own encoder.
 */
final class HandWire {
    // Frame's oneof, from tether.proto.
    static final int HELLO = 1;
    static final int WELCOME = 2;
    static final int REQUEST = 3;
    static final int RESPONSE = 4;
    static final int PUSH = 5;
    static final int ACK = 6;
    static final int PING = 7;
    static final int PONG = 8;
    static final int GOODBYE = 9;

    private static final int VARINT = 0;
    private static final int LENGTH_DELIMITED = 2;

    private HandWire() {
    }

    static byte[] varint(long value) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(10);
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
        return out.toByteArray();
    }

    /** A frame as it travels on TCP: its length as a varint32, then the Frame bytes. */
    static byte[] delimited(byte[] frame) {
        final byte[] prefix = varint(frame.length);
        final byte[] out = new byte[prefix.length + frame.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(frame, 0, out, prefix.length, frame.length);
        return out;
    }

    /** A Frame whose oneof holds {@code message} as field {@code kind}. */
    static byte[] frame(int kind, Writer message) {
        return new Writer().message(kind, message).toByteArray();
    }

    static byte[] hello(String clientId) {
        return frame(HELLO, new Writer().string(1, clientId));
    }

    static byte[] request(long id, String method, byte[] payload) {
        return frame(REQUEST, new Writer().varint(1, id).string(2, method).bytes(3, payload));
    }

    static byte[] ping(long nonce) {
        return frame(PING, new Writer().varint(1, nonce));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Writes protobuf fields in the order called; a proto3 default is left out by simply not writing it. */
    static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Writer varint(int field, long value) {
            out.writeBytes(HandWire.varint((long) field << 3 | VARINT));
            out.writeBytes(HandWire.varint(value));
            return this;
        }

        Writer bytes(int field, byte[] value) {
            out.writeBytes(HandWire.varint((long) field << 3 | LENGTH_DELIMITED));
            out.writeBytes(HandWire.varint(value.length));
            out.writeBytes(value);
            return this;
        }

        Writer string(int field, String value) {
            return bytes(field, utf8(value));
        }

        Writer message(int field, Writer message) {
            return bytes(field, message.toByteArray());
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }

    /**
     * One decoded protobuf message: every field by number, varints as {@code Long}, length-delimited fields as
     * {@code byte[]}. A field that is absent reads as its proto3 default.
     */
    static final class Fields {
        private final Map<Integer, List<Object>> values;

        private Fields(Map<Integer, List<Object>> values) {
            this.values = values;
        }

        static Fields parse(byte[] bytes) {
            final Map<Integer, List<Object>> values = new LinkedHashMap<>();
            final int[] at = {0};
            while (at[0] < bytes.length) {
                final long tag = readVarint(bytes, at);
                final int field = (int) (tag >>> 3);
                final Object value = switch ((int) (tag & 7)) {
                    case VARINT -> readVarint(bytes, at);
                    case LENGTH_DELIMITED -> {
                        final int length = Math.toIntExact(readVarint(bytes, at));
                        if (length < 0 || at[0] + length > bytes.length) {
                            throw new IllegalArgumentException("field " + field + " runs past the message end");
                        }
                        final byte[] b = java.util.Arrays.copyOfRange(bytes, at[0], at[0] + length);
                        at[0] += length;
                        yield b;
                    }
                    default -> throw new IllegalArgumentException("wire type " + (tag & 7) + " is not in tether.proto");
                };
                values.computeIfAbsent(field, k -> new ArrayList<>()).add(value);
            }
            return new Fields(values);
        }

        private static long readVarint(byte[] bytes, int[] at) {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (at[0] >= bytes.length) {
                    throw new IllegalArgumentException("varint runs past the message end");
                }
                final int b = bytes[at[0]++];
                value |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
            throw new IllegalArgumentException("varint longer than ten bytes");
        }

        /** The field numbers present, in the order first seen. */
        List<Integer> numbers() {
            return List.copyOf(values.keySet());
        }

        /** For a Frame: the number of the one field its oneof holds. */
        int kind() {
            if (values.size() != 1) {
                throw new AssertionError("a Frame holds exactly one kind, got fields " + values.keySet());
            }
            return values.keySet().iterator().next();
        }

        long varint(int field) {
            final Object v = last(field);
            return v == null ? 0 : (Long) v;
        }

        byte[] bytes(int field) {
            final Object v = last(field);
            return v == null ? new byte[0] : (byte[]) v;
        }

        String string(int field) {
            return new String(bytes(field), StandardCharsets.UTF_8);
        }

        Fields message(int field) {
            return parse(bytes(field));
        }

        private Object last(int field) {
            final List<Object> list = values.get(field);
            return list == null ? null : list.get(list.size() - 1);
        }

        @Override
        public String toString() {
            return "fields " + values.keySet();
        }
    }
}
