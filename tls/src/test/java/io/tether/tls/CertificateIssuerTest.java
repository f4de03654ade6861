package io.tether.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CertificateIssuerTest {
    @TempDir
    Path dir;

    @Test
    void shouldWriteTheFilesTetherCertsPromises() throws Exception {
        final List<Path> written = CertificateIssuer.writeCertificateSet(
            dir, List.of(), List.of("alice"), Duration.ofDays(30));

        assertThat(written).extracting(p -> p.getFileName().toString())
            .containsExactly("ca.pem", "ca.key", "server.pem", "server.key", "alice.pem", "alice.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("server.key"))))
            .isEqualTo("rw-------");
        assertThat(Files.readString(dir.resolve("alice.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
    }

    @Test
    void shouldProduceChainsOpensslVerifies() throws Exception {
        CertificateIssuer.writeCertificateSet(dir, List.of("tether.example", "10.0.0.7"), List.of("alice"),
            Duration.ofDays(30));

        final String server = OpenSsl.runOk(dir, "verify", "-CAfile", "ca.pem", "-purpose", "sslserver", "server.pem");
        final String client = OpenSsl.runOk(dir, "verify", "-CAfile", "ca.pem", "-purpose", "sslclient", "alice.pem");
        final String names = OpenSsl.runOk(dir, "x509", "-in", "server.pem", "-noout", "-ext", "subjectAltName");
        final String key = OpenSsl.runOk(dir, "pkey", "-in", "server.key", "-noout", "-text");

        assertThat(server.trim()).isEqualTo("server.pem: OK");
        assertThat(client.trim()).isEqualTo("alice.pem: OK");
        assertThat(names).contains("DNS:localhost", "IP Address:127.0.0.1", "DNS:tether.example", "IP Address:10.0.0.7");
        assertThat(key).contains("prime256v1");
        assertThat(OpenSsl.run(dir, "verify", "-CAfile", "ca.pem", "-purpose", "sslserver", "alice.pem").exitCode())
            .as("a client certificate is not good for a server").isNotZero();
    }

    @Test
    void shouldNameTheIssuerByItsKeyIdentifierAlone() throws Exception {
        CertificateIssuer.writeCertificateSet(dir, List.of(), List.of("alice"), Duration.ofDays(30));

        final String ca = OpenSsl.runOk(dir, "x509", "-in", "ca.pem", "-noout", "-ext", "subjectKeyIdentifier");
        final String caKeyId = ca.lines().map(String::trim).filter(l -> l.matches("[0-9A-F:]{59}")).findFirst()
            .orElseThrow();
        for (final String leaf : List.of("server.pem", "alice.pem")) {
            final String authority = OpenSsl.runOk(dir, "x509", "-in", leaf, "-noout", "-ext",
                "authorityKeyIdentifier");
            // No DirName/serial: only the CA's key identifier (OpenSSL 3.0 prefixes it with "keyid:").
            assertThat(authority.lines().map(l -> l.trim().replaceFirst("^keyid:", "")).filter(l -> !l.isEmpty())
                .toList()).as(leaf)
                .containsExactly("X509v3 Authority Key Identifier:", caKeyId);
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void shouldLoadGeneratedFilesAndHandshakeBetweenTwoPumps(final TlsProvider provider) throws Exception {
        final TlsContext serverContext = TestPki.writeCertificateSetAndLoadServer(dir, provider);
        final TlsContext clientContext = TlsContext.forClient(
            TlsClientSettings.mutual(dir.resolve("alice.pem"), dir.resolve("alice.key"), dir.resolve("ca.pem"))
                .withProvider(provider));
        final PumpPair pair = new PumpPair(serverContext, clientContext.newClientEngine("127.0.0.1", 7443));

        pair.client.beginHandshake();
        pair.exchange();
        pair.client.write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)));
        pair.server.write(ByteBuffer.wrap("pong".getBytes(StandardCharsets.US_ASCII)));
        pair.exchange();

        assertThat(pair.serverEvents.peer.commonName()).isEqualTo("alice");
        assertThat(pair.clientEvents.peer.ipAddresses()).contains("127.0.0.1");
        assertThat(pair.clientEvents.peer.dnsNames()).contains("localhost");
        assertThat(new String(pair.serverEvents.takeReceived(), StandardCharsets.US_ASCII)).isEqualTo("ping");
        assertThat(new String(pair.clientEvents.takeReceived(), StandardCharsets.US_ASCII)).isEqualTo("pong");
    }

    @Test
    void shouldRefuseClientNamesThatAreNotSafeFileNames() {
        assertThatThrownBy(() -> CertificateIssuer.writeCertificateSet(
            dir, List.of(), List.of("../evil"), Duration.ofDays(1)))
            .hasMessageContaining("client name '../evil'");
        assertThatThrownBy(() -> CertificateIssuer.writeCertificateSet(
            dir, List.of(), List.of("server"), Duration.ofDays(1)))
            .hasMessageContaining("not 'ca' or 'server'");
    }

    /** A client and a server {@link TlsConnection} wired to each other in memory. */
    private static final class PumpPair {
        final MemorySink toServer = new MemorySink();
        final MemorySink toClient = new MemorySink();
        final RecordingEvents serverEvents = new RecordingEvents();
        final RecordingEvents clientEvents = new RecordingEvents();
        final TlsBuffers buffers = new TlsBuffers();
        final TlsConnection server;
        final TlsConnection client;

        PumpPair(final TlsContext serverContext, final javax.net.ssl.SSLEngine clientEngine) {
            server = new TlsConnection(serverContext.newServerEngine(), buffers, toClient, serverEvents, null);
            client = new TlsConnection(clientEngine, buffers, toServer, clientEvents, null);
        }

        void exchange() throws IOException {
            for (int round = 0; round < 100; round++) {
                final byte[] up = toServer.take();
                final byte[] down = toClient.take();
                if (up.length == 0 && down.length == 0) {
                    return;
                }
                server.onNetworkRead(ByteBuffer.wrap(up));
                client.onNetworkRead(ByteBuffer.wrap(down));
            }
            throw new AssertionError("the pumps kept talking for 100 rounds");
        }
    }
}
