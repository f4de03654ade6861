package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tether.codec.GoodbyeCode;
import io.tether.engine.HandWire.Fields;
import io.tether.engine.client.TetherClient;
import io.tether.engine.config.ConfigBinder;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Metric;
import io.tether.tls.CertificateIssuer;
import io.tether.tls.TlsClientSettings;
import io.tether.tls.TlsProvider;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real {@code openssl s_client} against a mutual-TLS {@code tls://} listener, speaking tether frames encoded by
 * hand ({@link HandWire}), and the peers the server must turn away: no client certificate, a certificate from a CA
 * it does not trust, TLS 1.2 while only 1.3 is on, and a socket that never starts its handshake. After each, a
 * well-behaved client is still served.
 */
class TlsPeersTest {
    /** The server's CA and certificate, and alice's certificate from the same CA. */
    @TempDir
    static Path certs;
    /** Another CA, which the server does not trust, and mallory's certificate from it. */
    @TempDir
    static Path strangers;

    private TetherServer server;

    @BeforeAll
    static void issue() throws Exception {
        CertificateIssuer.writeCertificateSet(certs, List.of(), List.of("alice"), Duration.ofDays(2));
        CertificateIssuer.writeCertificateSet(strangers, List.of(), List.of("mallory"), Duration.ofDays(2));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    private InetSocketAddress start(String provider, String... settings) {
        final Map<String, List<String>> values = new HashMap<>(Map.of(
            "listen", List.of("tls://127.0.0.1:0"),
            "io-threads", List.of("2"),
            "tls-cert", List.of(certs.resolve("server.pem").toString()),
            "tls-key", List.of(certs.resolve("server.key").toString()),
            "tls-ca", List.of(certs.resolve("ca.pem").toString()),
            "tls-provider", List.of(provider)));
        for (int i = 0; i < settings.length; i += 2) {
            values.put(settings[i], List.of(settings[i + 1]));
        }
        server = TetherServer.builder().config(ConfigBinder.bind(values)).start();
        return server.boundAddresses().get(0);
    }

    private static String[] alice(String protocolOption) {
        return new String[] {protocolOption, "-cert", certs.resolve("alice.pem").toString(),
            "-key", certs.resolve("alice.key").toString()};
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "bc"})
    void shouldCompleteTls13WithOpensslAndExchangeHandEncodedFrames(String provider) throws Exception {
        final InetSocketAddress address = start(provider);
        try (TlsOpenSslPeer peer = TlsOpenSslPeer.connect(address, certs.resolve("ca.pem"), alice("-tls1_3"))) {
            peer.assertServed();
            assertThat(peer.errorOutput()).contains("Protocol version: TLSv1.3", "Verification: OK");
        }
        assertThat(server.counters().total(Metric.TLS_FAILURES)).isZero();
        assertServesAWellBehavedClient(address, provider);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "bc"})
    void shouldRefuseAClientWithoutACertificateWithTheCertificateRequiredAlert(String provider) throws Exception {
        final InetSocketAddress address = start(provider);
        try (TlsOpenSslPeer peer = TlsOpenSslPeer.connect(address, certs.resolve("ca.pem"), "-tls1_3")) {
            peer.assertRefused("alert number 116");
            assertThat(peer.errorOutput()).contains("certificate required");
        }
        awaitCount(Metric.TLS_FAILURES, 1);
        assertServesAWellBehavedClient(address, provider);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "bc"})
    void shouldRefuseAClientCertificateFromAnUntrustedCa(String provider) throws Exception {
        final InetSocketAddress address = start(provider);
        try (TlsOpenSslPeer peer = TlsOpenSslPeer.connect(address, certs.resolve("ca.pem"), "-tls1_3",
            "-cert", strangers.resolve("mallory.pem").toString(),
            "-key", strangers.resolve("mallory.key").toString())) {
            // Both providers answer a chain they cannot build to a trusted CA with certificate_unknown.
            peer.assertRefused("alert number 46");
        }
        awaitCount(Metric.TLS_FAILURES, 1);
        assertServesAWellBehavedClient(address, provider);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "bc"})
    void shouldRefuseTls12WhileTheMinimumIsTls13(String provider) throws Exception {
        final InetSocketAddress address = start(provider);
        try (TlsOpenSslPeer peer = TlsOpenSslPeer.connect(address, certs.resolve("ca.pem"), alice("-tls1_2"))) {
            peer.assertRefused("alert number 70");
            assertThat(peer.errorOutput()).contains("protocol version").doesNotContain("CONNECTION ESTABLISHED");
        }
        awaitCount(Metric.TLS_FAILURES, 1);
        assertServesAWellBehavedClient(address, provider);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "bc"})
    void shouldAcceptTls12WhenTheServerEnablesIt(String provider) throws Exception {
        final InetSocketAddress address = start(provider, "tls-protocols", "TLSv1.3,TLSv1.2");
        try (TlsOpenSslPeer peer = TlsOpenSslPeer.connect(address, certs.resolve("ca.pem"), alice("-tls1_2"))) {
            peer.assertServed();
            assertThat(peer.errorOutput()).contains("Protocol version: TLSv1.2", "Verification: OK");
        }
        try (TlsOpenSslPeer peer = TlsOpenSslPeer.connect(address, certs.resolve("ca.pem"), alice("-tls1_3"))) {
            peer.assertServed();
            assertThat(peer.errorOutput()).contains("Protocol version: TLSv1.3");
        }
        assertThat(server.counters().total(Metric.TLS_FAILURES)).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "16 03 01 00 c8 01"})
    void shouldCloseAConnectionThatNeverFinishesItsTlsHandshake(String sentHex) throws Exception {
        final InetSocketAddress address = start("jdk", "handshake-timeout", "300ms");
        final long started = System.nanoTime();
        try (Socket socket = new Socket()) {
            socket.connect(address, 5_000);
            socket.setSoTimeout(5_000);
            // Nothing at all, or the first bytes of a ClientHello record whose rest never comes.
            socket.getOutputStream().write(hex(sentHex));
            socket.getOutputStream().flush();
            assertThat(readUntilClosed(socket.getInputStream())).as("bytes from the server").isZero();
        }
        final Duration waited = Duration.ofNanos(System.nanoTime() - started);
        assertThat(waited).isBetween(Duration.ofMillis(250), Duration.ofSeconds(4));
        awaitCount(Metric.HANDSHAKE_TIMEOUTS, 1);
        assertThat(server.counters().total(Metric.TLS_FAILURES)).isZero();
        assertServesAWellBehavedClient(address, "jdk");
    }

    @Test
    void shouldSayGoodbyeOverTlsWhenTheHelloNeverComes() throws Exception {
        final InetSocketAddress address = start("jdk", "handshake-timeout", "500ms");
        try (TlsOpenSslPeer peer = TlsOpenSslPeer.connect(address, certs.resolve("ca.pem"), alice("-tls1_3"))) {
            // TLS completes, then nothing: the Goodbye goes out encrypted, since the TLS session exists.
            final Fields goodbye = peer.read(HandWire.GOODBYE);
            assertThat(goodbye.varint(1)).as("goodbye code").isEqualTo(GoodbyeCode.HANDSHAKE_TIMEOUT);
            assertThat(goodbye.string(2)).contains("500 ms");
            assertThat(peer.readToEnd()).as("bytes after the Goodbye").isEmpty();
            assertThat(peer.awaitExit()).as("s_client's exit code, stderr:\n%s", peer.errorOutput()).isZero();
            assertThat(peer.errorOutput()).contains("Protocol version: TLSv1.3");
        }
        awaitCount(Metric.HANDSHAKE_TIMEOUTS, 1);
        assertThat(server.counters().total(Metric.TLS_FAILURES)).isZero();
    }

    @Test
    void shouldServeWellBehavedPeersAfterEveryKindOfRefusedPeer() throws Exception {
        final InetSocketAddress address = start("jdk", "handshake-timeout", "300ms");
        try (TlsOpenSslPeer anonymous = TlsOpenSslPeer.connect(address, certs.resolve("ca.pem"), "-tls1_3");
             TlsOpenSslPeer stranger = TlsOpenSslPeer.connect(address, certs.resolve("ca.pem"), "-tls1_3",
                 "-cert", strangers.resolve("mallory.pem").toString(),
                 "-key", strangers.resolve("mallory.key").toString());
             TlsOpenSslPeer oldClient = TlsOpenSslPeer.connect(address, certs.resolve("ca.pem"), alice("-tls1_2"));
             Socket silent = new Socket()) {
            silent.connect(address, 5_000);
            silent.setSoTimeout(5_000);
            anonymous.assertRefused("alert number 116");
            stranger.assertRefused("alert number 46");
            oldClient.assertRefused("alert number 70");
            assertThat(readUntilClosed(silent.getInputStream())).isZero();
        }
        awaitCount(Metric.TLS_FAILURES, 3);
        awaitCount(Metric.HANDSHAKE_TIMEOUTS, 1);
        try (TlsOpenSslPeer peer = TlsOpenSslPeer.connect(address, certs.resolve("ca.pem"), alice("-tls1_3"))) {
            peer.assertServed();
        }
        assertServesAWellBehavedClient(address, "jdk");
        assertThat(server.counters().total(Metric.TLS_FAILURES)).isEqualTo(3);
        assertThat(server.counters().total(Metric.SESSIONS_OPENED)).isEqualTo(2);
    }

    /** Waits for a counter to reach {@code expected}, then checks it did not go past. */
    private void awaitCount(Metric metric, long expected) {
        TestServers.await(metric.label() + " reaching " + expected, () -> server.counters().total(metric) >= expected);
        assertThat(server.counters().total(metric)).as(metric.label()).isEqualTo(expected);
    }

    private void assertServesAWellBehavedClient(InetSocketAddress address, String provider) throws Exception {
        final TlsClientSettings alice = new TlsClientSettings(certs.resolve("alice.pem"), certs.resolve("alice.key"),
            null, certs.resolve("ca.pem"), TlsProvider.fromFlag(provider), null);
        try (TetherClient client = TetherClient.builder().clientId("alice").tls(alice)
            .connect("tls://127.0.0.1:" + address.getPort())) {
            assertThat(client.request("echo", ByteString.copyFromUtf8("still served")).get(10, TimeUnit.SECONDS)
                .getPayload().toStringUtf8()).isEqualTo("still served");
        }
    }

    /** Reads until the server closes the connection; returns how many bytes came before. */
    private static int readUntilClosed(InputStream in) throws IOException {
        int count = 0;
        try {
            while (in.read() >= 0) {
                count++;
            }
        } catch (SocketException e) {
            // a reset is a close too
        }
        return count;
    }

    private static byte[] hex(String spaced) {
        final String digits = spaced.replace(" ", "");
        final byte[] bytes = new byte[digits.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }
}
