package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * The raw client the WebSocket tests talk through, checked against the examples of RFC 6455 (sections 1.3 and 5.7)
 * so that what it reports about the server can be trusted.
 */
class WebSocketRawClientTest {
    @Test
    void shouldComputeTheAcceptOfTheRfcExample() {
        assertThat(RawWebSocket.accept("dGhlIHNhbXBsZSBub25jZQ==")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    @Test
    void shouldWriteTheFramesOfTheRfcExamples() {
        final byte[] hello = "Hello".getBytes(StandardCharsets.US_ASCII);
        assertThat(RawWebSocket.frame(0x81, null, hello)).containsExactly(0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f);
        assertThat(RawWebSocket.frame(0x81, new byte[] {0x37, (byte) 0xfa, 0x21, 0x3d}, hello))
            .containsExactly(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58);
        assertThat(RawWebSocket.frame(0x01, null, "Hel".getBytes(StandardCharsets.US_ASCII)))
            .containsExactly(0x01, 0x03, 0x48, 0x65, 0x6c);
        assertThat(Arrays.copyOf(RawWebSocket.frame(0x82, null, new byte[256]), 4))
            .containsExactly(0x82, 0x7E, 0x01, 0x00);
        assertThat(Arrays.copyOf(RawWebSocket.frame(0x82, null, new byte[65536]), 10))
            .containsExactly(0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00);
    }

    /**
     * A WebSocket client on a plain blocking socket, writing the upgrade and frames by hand: it can send what no
     * library would. Reads time out after five seconds.
     */
    static final class RawWebSocket implements AutoCloseable {
        static final int CLOSE = 0x8;
        static final int PING = 0x9;
        private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

        private final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;

        private RawWebSocket(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        static RawWebSocket connect(InetSocketAddress address) throws IOException {
            final Socket socket = new Socket(address.getAddress(), address.getPort());
            socket.setSoTimeout(5_000);
            socket.setTcpNoDelay(true);
            return new RawWebSocket(socket);
        }

        /** Connects and upgrades (offering tether.v1), checking the 101 answer. */
        static RawWebSocket open(InetSocketAddress address, String path) throws IOException {
            final RawWebSocket ws = connect(address);
            final String key = newKey();
            ws.write(upgradeRequest(path, key, "Sec-WebSocket-Protocol: tether.v1")
                .getBytes(StandardCharsets.US_ASCII));
            final HttpHead head = ws.readHead();
            assertThat(head.status()).as("upgrade of " + path).isEqualTo(101);
            assertThat(head.header("Sec-WebSocket-Accept")).isEqualTo(accept(key));
            return ws;
        }

        static String newKey() {
            final byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            return Base64.getEncoder().encodeToString(nonce);
        }

        static String accept(String key) {
            try {
                return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A valid upgrade request; a header in {@code extra} replaces the default of the same name. */
        static String upgradeRequest(String path, String key, String... extra) {
            final List<String> headers = new ArrayList<>(List.of("Host: 127.0.0.1", "Upgrade: websocket",
                "Connection: Upgrade", "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"));
            for (String header : extra) {
                final String name = header.substring(0, header.indexOf(':') + 1).toLowerCase(Locale.ROOT);
                headers.removeIf(h -> h.toLowerCase(Locale.ROOT).startsWith(name));
                headers.add(header);
            }
            return "GET " + path + " HTTP/1.1\r\n" + String.join("\r\n", headers) + "\r\n\r\n";
        }

        /** One frame with first byte {@code b0} (FIN, RSV, opcode), masked with a random key when asked. */
        static byte[] frame(int b0, boolean masked, byte[] payload) {
            final byte[] key = masked ? new byte[4] : null;
            if (masked) {
                ThreadLocalRandom.current().nextBytes(key);
            }
            return frame(b0, key, payload);
        }

        /** One frame masked with {@code key}, or not masked when it is null; the shortest length form. */
        static byte[] frame(int b0, byte[] key, byte[] payload) {
            final ByteArrayOutputStream frame = new ByteArrayOutputStream();
            frame.write(b0);
            final int mask = key != null ? 0x80 : 0;
            if (payload.length <= 125) {
                frame.write(mask | payload.length);
            } else if (payload.length <= 0xFFFF) {
                frame.write(mask | 126);
                frame.write(payload.length >>> 8);
                frame.write(payload.length);
            } else {
                frame.write(mask | 127);
                for (int shift = 56; shift >= 0; shift -= 8) {
                    frame.write((int) ((long) payload.length >>> shift));
                }
            }
            if (key != null) {
                frame.writeBytes(key);
            }
            for (int i = 0; i < payload.length; i++) {
                frame.write(key != null ? payload[i] ^ key[i & 3] : payload[i]);
            }
            return frame.toByteArray();
        }

        void write(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** Sends one masked frame, as a client must. */
        void send(int b0, byte[] payload) throws IOException {
            write(frame(b0, true, payload));
        }

        /** An HTTP response head: the status line and header lines. */
        record HttpHead(int status, List<String> lines) {
            String header(String name) {
                final String prefix = name.toLowerCase(Locale.ROOT) + ":";
                return lines.stream().filter(l -> l.toLowerCase(Locale.ROOT).startsWith(prefix))
                    .map(l -> l.substring(prefix.length()).strip()).findFirst().orElse(null);
            }
        }

        HttpHead readHead() throws IOException {
            final ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (true) {
                head.write(in.readUnsignedByte());
                final byte[] b = head.toByteArray();
                final int n = b.length;
                if (n >= 4 && b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n') {
                    final List<String> lines = List.of(new String(b, 0, n - 4, StandardCharsets.ISO_8859_1)
                        .split("\r\n"));
                    assertThat(lines.get(0)).startsWith("HTTP/1.1 ");
                    return new HttpHead(Integer.parseInt(lines.get(0).substring(9, 12)), lines);
                }
            }
        }

        byte[] readBody(int length) throws IOException {
            return in.readNBytes(length);
        }

        /** One frame from the server, which must not be masked. */
        Frame read() throws IOException {
            final int b0 = in.readUnsignedByte();
            final int b1 = in.readUnsignedByte();
            assertThat(b1 & 0x80).as("server frames are not masked").isZero();
            long length = b1 & 0x7F;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            assertThat(length).as("frame length").isBetween(0L, 1L << 20);
            final byte[] payload = new byte[(int) length];
            in.readFully(payload);
            return new Frame(b0, payload);
        }

        /** Whether the server closes the connection (a read sees the end of the stream) within the read timeout. */
        boolean readsEndOfStream() throws IOException {
            try {
                return in.read() < 0;
            } catch (java.net.SocketException e) {
                return e.getMessage() != null && e.getMessage().contains("reset");
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // nothing left to release
            }
        }

        /** A frame as received: its first byte (FIN, RSV, opcode) and its payload. */
        record Frame(int b0, byte[] payload) {
            static Frame of(int b0, byte[] payload) {
                return new Frame(b0, payload);
            }

            int opcode() {
                return b0 & 0x0F;
            }

            int closeCode() {
                assertThat(opcode()).isEqualTo(CLOSE);
                assertThat(payload.length).as("close payload length").isGreaterThanOrEqualTo(2);
                return (payload[0] & 0xFF) << 8 | (payload[1] & 0xFF);
            }

            @Override
            public boolean equals(Object o) {
                return o instanceof Frame f && f.b0 == b0 && Arrays.equals(f.payload, payload);
            }

            @Override
            public int hashCode() {
                return 31 * b0 + Arrays.hashCode(payload);
            }

            @Override
            public String toString() {
                return String.format("frame 0x%02X %d bytes %s", b0, payload.length,
                    new String(payload, StandardCharsets.UTF_8));
            }
        }
    }
}
