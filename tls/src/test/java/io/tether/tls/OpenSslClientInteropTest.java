package io.tether.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The server pump against a real {@code openssl s_client} over a loopback socket, with the
 * certificates {@code tether certs} writes. The socket lives here, in the test, standing in for
 * the engine's event loop.
 */
class OpenSslClientInteropTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void shouldServeOpensslClientWithMutualTls13(final TlsProvider provider) throws Exception {
        final TlsContext context = TestPki.writeCertificateSetAndLoadServer(dir, provider);
        Files.writeString(dir.resolve("request.txt"), "hello from openssl\n");

        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listener.setSoTimeout(20_000);
            final Process client = startClient(listener.getLocalPort());
            try (Socket socket = listener.accept()) {
                socket.setSoTimeout(20_000);
                final RecordingEvents events = new RecordingEvents();
                final OutputStream out = socket.getOutputStream();
                final TlsConnection server = new TlsConnection(context.newServerEngine(), new TlsBuffers(),
                    bytes -> writeAll(out, bytes), events, null);

                readUntil(socket.getInputStream(), server, events, "hello from openssl\n");
                server.write(ByteBuffer.wrap("hello from tether\n".getBytes(StandardCharsets.US_ASCII)));
                server.closeOutbound();

                assertThat(events.peer.commonName()).isEqualTo("alice");
                assertThat(events.peer.protocol()).isEqualTo("TLSv1.3");
            }
            assertThat(client.waitFor(20, TimeUnit.SECONDS)).as("s_client ended").isTrue();
            final String output = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(output).contains("hello from tether", "Verify return code: 0 (ok)");
        }
    }

    private Process startClient(final int port) throws Exception {
        if (!Files.isExecutable(OpenSsl.BINARY)) {
            throw new AssertionError(OpenSsl.BINARY + " is required by this test; run scripts/setup-peers");
        }
        final List<String> command = List.of(OpenSsl.BINARY.toString(), "s_client",
            "-connect", "127.0.0.1:" + port, "-tls1_3", "-CAfile", "ca.pem", "-verify_return_error",
            "-verify_ip", "127.0.0.1", "-cert", "alice.pem", "-key", "alice.key", "-ign_eof");
        return new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
            .redirectInput(dir.resolve("request.txt").toFile()).start();
    }

    /** Reads from the socket into the pump until the expected text has arrived decrypted. */
    private static void readUntil(
        final InputStream in, final TlsConnection server, final RecordingEvents events, final String expected)
        throws Exception {
        final byte[] chunk = new byte[4096];
        final StringBuilder received = new StringBuilder();
        while (!received.toString().contains(expected)) {
            final int count = in.read(chunk);
            if (count < 0) {
                throw new AssertionError("s_client closed before sending its request; received: " + received);
            }
            server.onNetworkRead(ByteBuffer.wrap(chunk, 0, count));
            received.append(new String(events.takeReceived(), StandardCharsets.US_ASCII));
        }
    }

    private static int writeAll(final OutputStream out, final ByteBuffer bytes) throws IOException {
        final int count = bytes.remaining();
        out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), count);
        bytes.position(bytes.limit());
        return count;
    }
}
