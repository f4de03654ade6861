package io.tether.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class TlsConnectionTest {
    private static final long SEED = 20_261_124L;

    @TempDir
    Path dir;

    private TestPki pki;
    private final TlsBuffers buffers = new TlsBuffers();

    @BeforeEach
    void createPki() {
        pki = TestPki.create(dir, "a");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void shouldCompleteMutualTls13HandshakeAndReportPeer(final TlsProvider provider) {
        final InMemoryWire wire = connect(provider, pki.clientSettings(provider), 7);

        wire.client.begin();
        wire.exchange();

        assertThat(wire.serverFailure()).isNull();
        assertThat(wire.client.failure()).isNull();
        assertThat(wire.server.isHandshakeComplete()).isTrue();
        final PeerIdentity peer = wire.serverEvents.peer;
        assertThat(peer).isEqualTo(wire.server.peerIdentity());
        assertThat(peer.protocol()).isEqualTo("TLSv1.3");
        assertThat(peer.subject()).isEqualTo("CN=client-1");
        assertThat(peer.commonName()).isEqualTo("client-1");
        assertThat(peer.chain()).hasSize(1);
        assertThat(wire.serverEvents.handshakes).isEqualTo(1);
        assertThat(wire.client.engine.getSession().getProtocol()).isEqualTo("TLSv1.3");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void shouldNotSendTheRootAClientFileEndsWith(final TlsProvider provider) throws Exception {
        final Path chain = dir.resolve("client-chain.pem");
        Files.writeString(chain, Files.readString(pki.clientCert) + Files.readString(pki.caCert));
        final InMemoryWire wire = connect(provider,
            TlsClientSettings.mutual(chain, pki.clientKey, pki.caCert).withProvider(provider), 7);

        wire.client.begin();
        wire.exchange();

        assertThat(wire.serverFailure()).isNull();
        assertThat(wire.server.peerIdentity().chain()).hasSize(1);
        assertThat(wire.server.peerIdentity().subject()).isEqualTo("CN=client-1");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void shouldHandshakeWithRsaServerCertificateUnderTheSignaturePolicy(final TlsProvider provider) throws Exception {
        OpenSsl.runOk(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rsa.key", "-subj", "/CN=rsa",
            "-addext", "subjectAltName=DNS:localhost", "-days", "2", "-out", "rsa.pem");
        final TlsContext serverContext = TlsContext.forServer(
            TlsSettings.mutual(dir.resolve("rsa.pem"), dir.resolve("rsa.key"), pki.caCert).withProvider(provider));
        final TlsContext clientContext = TlsContext.forClient(
            TlsClientSettings.mutual(pki.clientCert, pki.clientKey, dir.resolve("rsa.pem")).withProvider(provider));
        final EngineClient client = new EngineClient(clientContext.newClientEngine("localhost", 7443));
        final InMemoryWire wire = InMemoryWire.connect(client, serverContext.newServerEngine(), buffers, SEED, 300);

        wire.client.begin();
        wire.exchange();

        assertThat(wire.serverFailure()).isNull();
        assertThat(wire.client.failure()).isNull();
        assertThat(wire.server.isHandshakeComplete()).isTrue();
        assertThat(wire.server.peerIdentity().subject()).isEqualTo("CN=client-1");
    }

    @Test
    void shouldForgetTheSessionAndItsTicketSoThatNoLaterConnectionResumes() throws Exception {
        final TlsContext clientContext = TlsContext.forClient(pki.clientSettings(TlsProvider.JDK));
        final SSLSessionContext cache = clientContext.sslContext().getClientSessionContext();
        final Handshake first = handshakeInMemory(
            TlsContext.forServer(pki.serverSettings(TlsProvider.JDK).withResumption(true)), clientContext);
        // SunJSSE's server sent a TLS 1.3 session ticket: the client keeps a resumable session for localhost:7443.
        assertThat(validSessions(cache)).isPositive();

        first.client().forgetSession();

        assertThat(validSessions(cache)).isZero();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    @Tag("session-tickets") // not in the pom's run whose JVM-wide property stops every ticket
    void shouldLetAClientResumeOnlyWhenResumptionIsOn(final boolean resumption) throws Exception {
        final TlsContext serverContext = TlsContext.forServer(
            pki.serverSettings(TlsProvider.JDK).withResumption(resumption));
        final TlsContext clientContext = TlsContext.forClient(pki.clientSettings(TlsProvider.JDK));

        final Handshake first = handshakeInMemory(serverContext, clientContext);
        final Handshake second = handshakeInMemory(serverContext, clientContext);

        assertThat(second.client().peerIdentity().subject()).isEqualTo("CN=server");
        if (resumption) {
            // A resumed handshake leaves out the server's certificate, its signature and the certificate request.
            assertThat(second.serverBytes()).isLessThan(first.serverBytes() - 300);
        } else {
            // A full handshake again (the ECDSA signature's length varies by a byte or two).
            assertThat(second.serverBytes()).isCloseTo(first.serverBytes(), within(16L));
        }
    }

    /** A completed in-memory handshake: the client's side, and how many bytes the server sent for it. */
    private record Handshake(TlsConnection client, long serverBytes) {
    }

    /** A mutual TLS handshake between fresh engines of the two contexts, fed whole flights. */
    private Handshake handshakeInMemory(final TlsContext serverContext, final TlsContext clientContext)
        throws Exception {
        final MemorySink clientSink = new MemorySink();
        final TlsConnection client = new TlsConnection(clientContext.newClientEngine("localhost", 7443), buffers,
            clientSink, new RecordingEvents(), null);
        final MemorySink serverSink = new MemorySink();
        final TlsConnection server = new TlsConnection(serverContext.newServerEngine(), buffers, serverSink,
            new RecordingEvents(), null);
        long serverBytes = 0;

        client.beginHandshake();
        for (int round = 0; round < 100; round++) {
            final byte[] toServer = clientSink.take();
            server.onNetworkRead(ByteBuffer.wrap(toServer));
            final byte[] toClient = serverSink.take();
            serverBytes += toClient.length;
            client.onNetworkRead(ByteBuffer.wrap(toClient));
            if (toServer.length == 0 && toClient.length == 0) {
                break;
            }
        }
        assertThat(client.isHandshakeComplete()).isTrue();
        assertThat(server.isHandshakeComplete()).isTrue();
        return new Handshake(client, serverBytes);
    }

    private static int validSessions(final SSLSessionContext cache) {
        int valid = 0;
        for (final byte[] id : Collections.list(cache.getIds())) {
            final SSLSession session = cache.getSession(id);
            if (session != null && session.isValid()) {
                valid++;
            }
        }
        return valid;
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void shouldCarryDataBothWaysWhateverThePieces(final TlsProvider provider) throws Exception {
        final InMemoryWire wire = handshaken(provider, 5);
        final byte[] upload = randomBytes(100_000);
        final byte[] download = randomBytes(70_000);

        wire.client.send(upload);
        wire.exchange();
        assertThat(wire.server.write(ByteBuffer.wrap(download))).isEqualTo(download.length);
        wire.exchange();

        assertThat(wire.serverEvents.takeReceived()).isEqualTo(upload);
        assertThat(wire.client.takeReceived()).isEqualTo(download);
        assertThat(wire.server.retainedBytes()).isZero();
        assertThat(buffers.outstanding()).isZero();
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void shouldFeedOneByteAtATime(final TlsProvider provider) {
        final InMemoryWire wire = handshaken(provider, 1);

        wire.client.send("hello, tether".getBytes(StandardCharsets.US_ASCII));
        wire.exchange();

        assertThat(new String(wire.serverEvents.takeReceived(), StandardCharsets.US_ASCII)).isEqualTo("hello, tether");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void shouldFailWithCertificateRequiredWhenClientHasNoCertificate(final TlsProvider provider) {
        final TlsClientSettings anonymous = new TlsClientSettings(null, null, null, pki.caCert, provider, null);
        final InMemoryWire wire = connect(provider, anonymous, 64);

        wire.client.begin();
        wire.exchange();

        assertThat(wire.serverFailure()).isInstanceOf(SSLException.class);
        assertThat(wire.server.isHandshakeComplete()).isFalse();
        assertThat(wire.client.failure()).hasMessageContaining("certificate_required");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void shouldFailWhenClientCertificateComesFromUntrustedCa(final TlsProvider provider) throws Exception {
        final TestPki stranger = TestPki.create(dir, "stranger");
        // A well-behaved client sends no certificate the server's CA list does not name; this one
        // presents its certificate anyway, as a hostile or misconfigured client would.
        final TlsContext serverContext = TlsContext.forServer(pki.serverSettings(provider));
        final EngineClient client = new EngineClient(PresentingClientContext.create(provider, stranger, pki.caCert)
            .createSSLEngine("localhost", 7443));
        client.engine.setUseClientMode(true);
        final InMemoryWire wire = InMemoryWire.connect(client, serverContext.newServerEngine(), buffers, SEED, 64);

        wire.client.begin();
        wire.exchange();

        assertThat(wire.serverFailure()).isInstanceOf(SSLException.class);
        assertThat(wire.serverEvents.peer).isNull();
        assertThat(wire.client.failure()).hasMessageMatching("(?s).*(unknown_ca|bad_certificate|certificate_unknown).*");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void shouldRefuseTls12OnlyClientWhenMinimumIs13(final TlsProvider provider) {
        final InMemoryWire wire = connect(provider, pki.clientSettings(provider).withProtocols(List.of("TLSv1.2")), 64);

        wire.client.begin();
        wire.feedServer(wire.client.takeOutput());
        final byte[] alert = wire.serverSink.take();
        wire.client.receive(alert);

        assertThat(wire.serverFailure()).isInstanceOf(SSLException.class);
        // A plaintext alert record: type 21, TLS 1.2 record version, length 2, fatal, protocol_version (70).
        assertThat(alert).startsWith(21, 3, 3, 0, 2, 2, 70);
        assertThat(wire.client.failure()).hasMessageContaining("protocol_version");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void shouldExchangeCloseNotifyBothWays(final TlsProvider provider) throws Exception {
        final InMemoryWire wire = handshaken(provider, 9);

        wire.client.closeOutbound();
        wire.exchange();

        assertThat(wire.server.isInboundDone()).isTrue();
        assertThat(wire.server.isOutboundDone()).isTrue();
        assertThat(wire.client.engine.isInboundDone()).isTrue();
        assertThat(wire.server.write(ByteBuffer.wrap(new byte[] {1}))).isZero();
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void shouldSendCloseNotifyFirstAndSeeTheReply(final TlsProvider provider) throws Exception {
        final InMemoryWire wire = handshaken(provider, 9);

        wire.server.closeOutbound();
        wire.exchange();
        if (!wire.client.engine.isOutboundDone()) {
            wire.client.closeOutbound(); // a TLS 1.3 peer may half-close; answer as a polite client does
            wire.exchange();
        }

        assertThat(wire.client.engine.isInboundDone()).isTrue();
        assertThat(wire.server.isOutboundDone()).isTrue();
        assertThat(wire.server.isInboundDone()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void shouldHoldBytesOnlyWhileRecordIncompleteOrOutputBlocked(final TlsProvider provider) throws Exception {
        final InMemoryWire wire = handshaken(provider, 64);
        wire.client.send(randomBytes(1_000));
        final byte[] record = wire.client.takeOutput();

        wire.server.onNetworkRead(ByteBuffer.wrap(record, 0, 600));
        final int heldWhileIncomplete = wire.server.retainedBytes();
        wire.server.onNetworkRead(ByteBuffer.wrap(record, 600, record.length - 600));

        assertThat(heldWhileIncomplete).isBetween(600, record.length); // room for the whole record, no more
        assertThat(wire.server.retainedBytes()).isZero();
        assertThat(wire.serverEvents.takeReceived()).hasSize(1_000);

        final byte[] download = randomBytes(200_000);
        final ByteBuffer pending = ByteBuffer.wrap(download);
        wire.serverSink.limit(10_000);
        final int takenWhileBlocked = wire.server.write(pending);

        assertThat(takenWhileBlocked).isLessThan(download.length);
        assertThat(wire.server.wantsWrite()).isTrue();
        assertThat(wire.server.write(pending)).isZero();
        assertThat(wire.server.retainedBytes()).isLessThanOrEqualTo(TlsBuffers.DEFAULT_CAPACITY);

        wire.serverSink.limit(Long.MAX_VALUE);
        assertThat(wire.server.flush()).isTrue();
        while (pending.hasRemaining()) {
            wire.server.write(pending);
        }
        wire.exchange();

        assertThat(wire.server.wantsWrite()).isFalse();
        assertThat(wire.server.retainedBytes()).isZero();
        assertThat(wire.client.takeReceived()).isEqualTo(download);
        assertThat(buffers.outstanding()).isZero();
    }

    @Test
    void shouldRunDelegatedTasksOffTheLoopAndResume() throws Exception {
        // SunJSSE hands out delegated tasks during the handshake; BouncyCastle runs everything inline.
        final ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "tls-task"));
        try {
            final TlsContext serverContext = TlsContext.forServer(pki.serverSettings(TlsProvider.JDK));
            final EngineClient client = new EngineClient(
                TlsContext.forClient(pki.clientSettings(TlsProvider.JDK)).newClientEngine("localhost", 7443));
            final InMemoryWire wire = InMemoryWire.connect(
                client, serverContext.newServerEngine(), buffers, executor, SEED, 64);
            final TlsConnection server = wire.server;
            int tasksSeen = 0;
            boolean readBlockedDuringTask = true;

            client.begin();
            for (int round = 0; round < 100 && !server.isHandshakeComplete(); round++) {
                wire.feedServer(client.takeOutput());
                while (server.isTaskPending()) {
                    readBlockedDuringTask &= !server.wantsRead();
                    final String thread = wire.serverEvents.tasksDone.poll(10, TimeUnit.SECONDS);
                    assertThat(thread).as("delegated tasks finished within 10s").isEqualTo("tls-task");
                    tasksSeen++;
                    server.resume();
                }
                client.receive(wire.serverSink.take());
            }
            wire.exchange();
            client.send("after tasks".getBytes(StandardCharsets.US_ASCII));
            wire.exchange();

            assertThat(wire.serverFailure()).isNull();
            assertThat(tasksSeen).isPositive();
            assertThat(readBlockedDuringTask).isTrue();
            assertThat(server.isHandshakeComplete()).isTrue();
            assertThat(new String(wire.serverEvents.takeReceived(), StandardCharsets.US_ASCII)).isEqualTo("after tasks");
        } finally {
            executor.shutdownNow();
        }
    }

    /** @return a wire whose mutual TLS handshake has completed, the server fed pieces of at most maxPiece bytes. */
    private InMemoryWire handshaken(final TlsProvider provider, final int maxPiece) {
        final InMemoryWire wire = connect(provider, pki.clientSettings(provider), maxPiece);
        wire.client.begin();
        wire.exchange();
        assertThat(wire.server.isHandshakeComplete()).isTrue();
        return wire;
    }

    private InMemoryWire connect(final TlsProvider provider, final TlsClientSettings clientSettings,
        final int maxPiece) {
        final TlsContext serverContext = TlsContext.forServer(pki.serverSettings(provider));
        final TlsContext clientContext = TlsContext.forClient(clientSettings);
        final EngineClient client = new EngineClient(clientContext.newClientEngine("localhost", 7443));
        return InMemoryWire.connect(client, serverContext.newServerEngine(), buffers, SEED, maxPiece);
    }

    private static byte[] randomBytes(final int count) {
        final byte[] bytes = new byte[count];
        new Random(count).nextBytes(bytes);
        return bytes;
    }
}
