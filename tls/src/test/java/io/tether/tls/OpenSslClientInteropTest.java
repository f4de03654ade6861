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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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
        final PeerIdentity peer = serveOneRequest(provider);

        assertThat(peer.commonName()).isEqualTo("alice");
        assertThat(peer.protocol()).isEqualTo("TLSv1.3");
    }

    /** Every suite tether enables works with either provider: bc takes AES-GCM from the JDK, ChaCha20 from BC. */
    @ParameterizedTest
    @CsvSource({
        "JDK, TLS_AES_128_GCM_SHA256", "JDK, TLS_AES_256_GCM_SHA384", "JDK, TLS_CHACHA20_POLY1305_SHA256",
        "BC, TLS_AES_128_GCM_SHA256", "BC, TLS_AES_256_GCM_SHA384", "BC, TLS_CHACHA20_POLY1305_SHA256"})
    void shouldNegotiateEachTls13SuiteTheClientOffers(final TlsProvider provider, final String suite)
        throws Exception {
        final PeerIdentity peer = serveOneRequest(provider, "-ciphersuites", suite);

        assertThat(peer.cipherSuite()).isEqualTo(suite);
        assertThat(peer.commonName()).isEqualTo("alice");
    }

    /**
     * Serves one s_client: reads its request, answers, closes, and checks what s_client printed.
     *
     * @return the client's identity as the server saw it.
     */
    private PeerIdentity serveOneRequest(final TlsProvider provider, final String... clientOptions) throws Exception {
        final TlsContext context = TestPki.writeCertificateSetAndLoadServer(dir, provider);
        Files.writeString(dir.resolve("request.txt"), "hello from openssl\n");
        final RecordingEvents events = new RecordingEvents();

        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listener.setSoTimeout(20_000);
            final Process client = startClient(listener.getLocalPort(), clientOptions);
            try (Socket socket = listener.accept()) {
                socket.setSoTimeout(20_000);
                final OutputStream out = socket.getOutputStream();
                final TlsConnection server = new TlsConnection(context.newServerEngine(), new TlsBuffers(),
                    bytes -> writeAll(out, bytes), events, null);

                readUntil(socket.getInputStream(), server, events, "hello from openssl\n");
                server.write(ByteBuffer.wrap("hello from tether\n".getBytes(StandardCharsets.US_ASCII)));
                server.closeOutbound();
            }
            assertThat(client.waitFor(20, TimeUnit.SECONDS)).as("s_client ended").isTrue();
            final String output = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(output).contains("hello from tether", "Verify return code: 0 (ok)");
        }
        return events.peer;
    }

    private Process startClient(final int port, final String... options) throws Exception {
        if (!Files.isExecutable(OpenSsl.BINARY)) {
            throw new AssertionError(OpenSsl.BINARY + " is required by this test; run scripts/setup-peers");
        }
        final List<String> command = new ArrayList<>(List.of(OpenSsl.BINARY.toString(), "s_client",
            "-connect", "127.0.0.1:" + port, "-tls1_3", "-CAfile", "ca.pem", "-verify_return_error",
            "-verify_ip", "127.0.0.1", "-cert", "alice.pem", "-key", "alice.key", "-ign_eof"));
        command.addAll(List.of(options));
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
