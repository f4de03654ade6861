package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tether.codec.proto.Response;
import io.tether.engine.client.TetherClient;
import io.tether.engine.config.ConfigBinder;
import io.tether.engine.server.Reply;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Metric;
import io.tether.tls.CertificateIssuer;
import io.tether.tls.IssuedCertificate;
import io.tether.tls.TlsClientSettings;
import io.tether.tls.TlsProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hot reload of the server's TLS files while clients are connected: the files are replaced the way an operator or
 * a certificate manager does it, by writing new files next to them and renaming them over the old ones. A reload
 * affects new handshakes only; every connection keeps the TLS state it was accepted with.
 */
class TlsRotationTest {
    private static final Duration VALIDITY = Duration.ofDays(2);
    private static final int STREAMING_CLIENTS = 4;
    /** Echoes each streaming client must have answered before, and again after, a rotation. */
    private static final int ECHOES_PER_PHASE = 25;

    @TempDir
    Path dir;

    private CertificateIssuer authority;
    /** What the server watches: server.pem, server.key and ca.pem. */
    private Path serverFiles;
    /** What the clients hold: the CA they trust the server by, and their own certificates. */
    private Path clientFiles;
    private TetherServer server;
    private final List<TetherClient> clients = new ArrayList<>();
    private final List<EchoStream> streams = new ArrayList<>();

    @BeforeEach
    void issue() throws IOException {
        serverFiles = Files.createDirectories(dir.resolve("server"));
        clientFiles = Files.createDirectories(dir.resolve("clients"));
        authority = CertificateIssuer.newAuthority("tether CA", VALIDITY);
        Files.writeString(serverFiles.resolve("ca.pem"), authority.authority().certificatePem());
        Files.writeString(clientFiles.resolve("server-ca.pem"), authority.authority().certificatePem());
        newServerCertificate().writePem(serverFiles.resolve("server.pem"), serverFiles.resolve("server.key"));
        authority.issueClient("alice", VALIDITY)
            .writePem(clientFiles.resolve("alice.pem"), clientFiles.resolve("alice.key"));
    }

    @AfterEach
    void stop() throws Exception {
        for (EchoStream stream : streams) {
            stream.stop();
        }
        clients.forEach(TetherClient::close);
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    private String start(String provider) {
        return start(provider, "off");
    }

    private String start(String provider, String resumption) {
        server = TetherServer.builder().config(ConfigBinder.bind(Map.of(
                "listen", List.of("tls://127.0.0.1:0"),
                "io-threads", List.of("2"),
                "tls-cert", List.of(serverFiles.resolve("server.pem").toString()),
                "tls-key", List.of(serverFiles.resolve("server.key").toString()),
                "tls-ca", List.of(serverFiles.resolve("ca.pem").toString()),
                "tls-provider", List.of(provider),
                "tls-resumption", List.of(resumption),
                "tls-reload-interval", List.of("200ms"))))
            .onRequest("whoami", call -> Reply.ok(ByteString.copyFromUtf8(call.peer().commonName())))
            .start();
        return "tls://127.0.0.1:" + server.boundAddresses().get(0).getPort();
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "bc"})
    void shouldRotateTheServerCertificateUnderTrafficWithoutDroppingASession(String provider) throws Exception {
        final String url = start(provider);
        final BigInteger oldSerial = servingSerial();
        final List<String> sessionIds = new ArrayList<>();
        for (int i = 0; i < STREAMING_CLIENTS; i++) {
            final TetherClient client = connect(url, "alice", provider);
            sessionIds.add(client.sessionId());
            streams.add(EchoStream.start(client, "client-" + i));
        }
        awaitEveryStreamPast(0);

        assertThat(server.tls().secondsToExpiry()).isLessThanOrEqualTo(VALIDITY.toSeconds());
        final IssuedCertificate next = authority.issueServer("tether server", List.of(), Duration.ofDays(30));
        final List<Long> answeredAtRename = streams.stream().map(EchoStream::answered).toList();
        renameIntoPlace(next);

        awaitCount(Metric.TLS_RELOADS, 1);
        for (int i = 0; i < STREAMING_CLIENTS; i++) {
            assertThat(streams.get(i).answered()).as("echoes of client %d while the files were swapped", i)
                .isGreaterThan(answeredAtRename.get(i));
        }
        assertThat(servingSerial()).isEqualTo(next.certificate().getSerialNumber());
        assertThat(server.tls().secondsToExpiry()).as("seconds to expiry, from the new certificate")
            .isGreaterThan(Duration.ofDays(29).toSeconds());
        final TetherClient newcomer = connect(url, "alice", provider);
        assertThat(serialSeenBy(newcomer)).isEqualTo(next.certificate().getSerialNumber()).isNotEqualTo(oldSerial);
        assertEchoes(newcomer, "after the rotation");

        awaitEveryStreamPast(streams.stream().mapToLong(EchoStream::answered).max().orElseThrow());
        for (EchoStream stream : streams) {
            stream.stop();
            assertThat(stream.failures()).as("echoes not answered").isEmpty();
        }
        for (int i = 0; i < STREAMING_CLIENTS; i++) {
            final TetherClient client = clients.get(i);
            assertThat(client.isOpen()).as("client %d still connected", i).isTrue();
            assertThat(client.sessionId()).isEqualTo(sessionIds.get(i));
            assertThat(serialSeenBy(client)).as("the certificate client %d was served", i).isEqualTo(oldSerial);
        }
        assertThat(server.sessionCount()).isEqualTo(STREAMING_CLIENTS + 1);
        assertThat(server.counters().total(Metric.TLS_FAILURES)).isZero();
        assertThat(server.counters().total(Metric.CONNECTIONS_CLOSED)).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"the old key", "a foreign key"})
    void shouldKeepServingTheOldCertificateWhileTheKeyDoesNotMatch(String mismatch) throws Exception {
        final String url = start("jdk");
        final BigInteger oldSerial = servingSerial();
        final TetherClient before = connect(url, "alice", "jdk");

        // A new certificate whose key is not (yet) beside it: the old one, or another certificate's.
        final IssuedCertificate next = newServerCertificate();
        Files.writeString(serverFiles.resolve("server.pem.new"), next.certificatePem());
        if (mismatch.equals("a foreign key")) {
            Files.writeString(serverFiles.resolve("server.key.new"), newServerCertificate().privateKeyPem());
            move("server.key.new", "server.key");
        }
        move("server.pem.new", "server.pem");

        awaitCount(Metric.TLS_RELOAD_FAILURES, 1);
        assertThat(server.tls().failedReloadCount()).isEqualTo(1);
        assertThat(server.tls().lastFailure()).hasMessageContaining("does not match");
        assertThat(server.counters().total(Metric.TLS_RELOADS)).isZero();
        assertThat(servingSerial()).isEqualTo(oldSerial);
        final TetherClient during = connect(url, "alice", "jdk");
        assertThat(serialSeenBy(during)).isEqualTo(oldSerial);
        assertEchoes(during, "with the old certificate");
        assertEchoes(before, "unaffected");

        Files.writeString(serverFiles.resolve("server.key.new"), next.privateKeyPem());
        move("server.key.new", "server.key");

        awaitCount(Metric.TLS_RELOADS, 1);
        final TetherClient after = connect(url, "alice", "jdk");
        assertThat(serialSeenBy(after)).isEqualTo(next.certificate().getSerialNumber());
        assertEchoes(after, "with the new certificate");
        assertEchoes(during, "still served");
        assertEchoes(before, "still served");
        assertThat(server.counters().total(Metric.TLS_RELOAD_FAILURES)).isEqualTo(1);
        assertThat(server.counters().total(Metric.TLS_FAILURES)).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "bc"})
    void shouldTrustOnlyTheNewCaAfterCaRotationAndKeepConnectedSessions(String provider) throws Exception {
        final String url = start(provider);
        final CertificateIssuer newAuthority = CertificateIssuer.newAuthority("tether CA 2", VALIDITY);
        newAuthority.issueClient("bob", VALIDITY)
            .writePem(clientFiles.resolve("bob.pem"), clientFiles.resolve("bob.key"));
        final TetherClient.Builder aliceBuilder = TetherClient.builder().clientId("alice")
            .tls(clientSettings("alice", provider)).timeout(Duration.ofSeconds(5));
        final TetherClient aliceBefore = aliceBuilder.connect(url);
        clients.add(aliceBefore);
        assertWhoami(aliceBefore, "alice");
        assertThatThrownBy(() -> connect(url, "bob", provider)).as("bob before the new CA is trusted")
            .isInstanceOf(IOException.class);
        awaitCount(Metric.TLS_FAILURES, 1);

        // Overlap: both CAs in the bundle, both clients accepted.
        replaceCaBundle(authority.authority().certificatePem() + newAuthority.authority().certificatePem());
        awaitCount(Metric.TLS_RELOADS, 1);
        final TetherClient aliceDuring = connect(url, "alice", provider);
        final TetherClient bobDuring = connect(url, "bob", provider);
        assertWhoami(aliceDuring, "alice");
        assertWhoami(bobDuring, "bob");

        // The new CA only.
        replaceCaBundle(newAuthority.authority().certificatePem());
        awaitCount(Metric.TLS_RELOADS, 2);
        assertThatThrownBy(() -> connect(url, "alice", provider)).as("a new alice after the rotation")
            .isInstanceOf(IOException.class);
        awaitCount(Metric.TLS_FAILURES, 2);
        // A client that may offer to resume its TLS session from before the rotation is refused too.
        assertThatThrownBy(() -> clients.add(aliceBuilder.connect(url))).as("alice's first client reconnecting")
            .isInstanceOf(IOException.class);
        awaitCount(Metric.TLS_FAILURES, 3);
        final TetherClient bobAfter = connect(url, "bob", provider);
        assertWhoami(bobAfter, "bob");

        // Sessions connected before keep their TLS state, old CA or not, and are served as before.
        for (TetherClient client : List.of(aliceBefore, aliceDuring, bobDuring)) {
            assertThat(client.isOpen()).isTrue();
            assertThat(client.closeFuture()).isNotDone();
            for (int i = 0; i < 10; i++) {
                assertEchoes(client, client.sessionId() + " after the rotation " + i);
            }
        }
        assertWhoami(aliceBefore, "alice");
        assertWhoami(aliceDuring, "alice");
        assertThat(server.sessionCount()).isEqualTo(4);
        assertThat(server.counters().total(Metric.TLS_FAILURES)).isEqualTo(3);
        assertThat(server.counters().total(Metric.TLS_RELOAD_FAILURES)).isZero();
    }

    @Test
    void shouldSendOpenSslNoSessionTicketWhileResumptionIsOff() throws Exception {
        start("jdk"); // tls-resumption off, the default
        final InetSocketAddress address = server.boundAddresses().get(0);
        final Path ticket = clientFiles.resolve("alice-no-resumption.session");
        try (TlsOpenSslPeer first = alicePeer(address, "-sess_out", ticket.toString())) {
            first.assertServed();
            assertThat(first.serverSigned()).as("a full handshake the first time").isTrue();
        }
        // A TLS 1.3 client saves a session only from a session ticket (with resumption on it does, as the test
        // below shows): none came, so it has nothing to resume with and its next connection is a full handshake.
        assertThat(ticket).as("a session saved from a ticket").doesNotExist();
        try (TlsOpenSslPeer again = alicePeer(address)) {
            again.assertServed();
            assertThat(again.serverSigned()).as("a full handshake again").isTrue();
        }
        assertThat(server.counters().total(Metric.SESSIONS_OPENED)).isEqualTo(2);
    }

    @Test
    void shouldNotResumeATlsSessionFromBeforeTheCaRotation() throws Exception {
        // jdk only: it issues TLS 1.3 session tickets; bc's server issues none, so there is nothing to resume.
        final String url = start("jdk", "on");
        final InetSocketAddress address = server.boundAddresses().get(0);
        final Path ticket = clientFiles.resolve("alice.session");
        try (TlsOpenSslPeer first = alicePeer(address, "-sess_out", ticket.toString())) {
            first.assertServed();
            assertThat(first.serverSigned()).as("a full handshake the first time").isTrue();
        }
        assertThat(ticket).isNotEmptyFile();
        try (TlsOpenSslPeer resumed = alicePeer(address, "-sess_in", ticket.toString())) {
            resumed.assertServed();
            assertThat(resumed.serverSigned()).as("resumed from the ticket, stderr:%n%s", resumed.errorOutput())
                .isFalse();
        }

        final CertificateIssuer newAuthority = CertificateIssuer.newAuthority("tether CA 2", VALIDITY);
        replaceCaBundle(newAuthority.authority().certificatePem());
        awaitCount(Metric.TLS_RELOADS, 1);

        try (TlsOpenSslPeer afterRotation = alicePeer(address, "-sess_in", ticket.toString())) {
            afterRotation.assertRefused("alert number 46");
        }
        awaitCount(Metric.TLS_FAILURES, 1);
        assertThat(server.counters().total(Metric.SESSIONS_OPENED)).isEqualTo(2);
        assertThatThrownBy(() -> connect(url, "alice", "jdk")).isInstanceOf(IOException.class);
    }

    @Test
    void shouldReleaseTheTlsWatcherAndListenersWhenTheServerCannotListen() throws Exception {
        final int free;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            free = probe.getLocalPort();
        }
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            final long watchersBefore = liveReloadWatchers();
            assertThatThrownBy(() -> TetherServer.builder().config(ConfigBinder.bind(Map.of(
                    "listen", List.of("tls://127.0.0.1:" + free, "wss://127.0.0.1:" + taken.getLocalPort() + "/t"),
                    "tls-cert", List.of(serverFiles.resolve("server.pem").toString()),
                    "tls-key", List.of(serverFiles.resolve("server.key").toString()),
                    "tls-ca", List.of(serverFiles.resolve("ca.pem").toString()))))
                .start())
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("cannot listen");
            // The server that failed to start is never handed out, so nobody else could close these.
            assertThat(liveReloadWatchers()).as("live tether-tls-reload threads").isEqualTo(watchersBefore);
        }
        try (ServerSocket again = new ServerSocket(free, 1, InetAddress.getLoopbackAddress())) {
            assertThat(again.getLocalPort()).as("the port of the listener that did bind, free again").isEqualTo(free);
        }
    }

    // ---- files

    private IssuedCertificate newServerCertificate() {
        return authority.issueServer("tether server", List.of(), VALIDITY);
    }

    /** Writes the pair next to the served files, then renames each over its old one, certificate first. */
    private void renameIntoPlace(IssuedCertificate next) throws IOException {
        next.writePem(serverFiles.resolve("server.pem.new"), serverFiles.resolve("server.key.new"));
        move("server.pem.new", "server.pem");
        move("server.key.new", "server.key");
    }

    private void replaceCaBundle(String pem) throws IOException {
        Files.writeString(serverFiles.resolve("ca.pem.new"), pem);
        move("ca.pem.new", "ca.pem");
    }

    private void move(String from, String to) throws IOException {
        Files.move(serverFiles.resolve(from), serverFiles.resolve(to), StandardCopyOption.ATOMIC_MOVE);
    }

    private static long liveReloadWatchers() {
        return Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.isAlive() && t.getName().equals("tether-tls-reload")).count();
    }

    // ---- clients

    private TlsClientSettings clientSettings(String name, String provider) {
        return new TlsClientSettings(clientFiles.resolve(name + ".pem"), clientFiles.resolve(name + ".key"), null,
            clientFiles.resolve("server-ca.pem"), TlsProvider.fromFlag(provider), null);
    }

    private TlsOpenSslPeer alicePeer(InetSocketAddress address, String... options) {
        final List<String> all = new ArrayList<>(List.of("-tls1_3",
            "-cert", clientFiles.resolve("alice.pem").toString(), "-key", clientFiles.resolve("alice.key").toString()));
        all.addAll(List.of(options));
        return TlsOpenSslPeer.connect(address, clientFiles.resolve("server-ca.pem"), all.toArray(new String[0]));
    }

    private TetherClient connect(String url, String name, String provider) throws IOException {
        final TetherClient client = TetherClient.builder().clientId(name).tls(clientSettings(name, provider))
            .timeout(Duration.ofSeconds(5)).connect(url);
        clients.add(client);
        return client;
    }

    private BigInteger servingSerial() {
        return server.tls().current().certificateChain().get(0).getSerialNumber();
    }

    private static BigInteger serialSeenBy(TetherClient client) {
        return client.serverIdentity().chain().get(0).getSerialNumber();
    }

    private static void assertEchoes(TetherClient client, String payload) throws Exception {
        final Response echo = client.request("echo", ByteString.copyFromUtf8(payload)).get(10, TimeUnit.SECONDS);
        assertThat(echo.getStatus()).isZero();
        assertThat(echo.getPayload().toStringUtf8()).isEqualTo(payload);
    }

    private static void assertWhoami(TetherClient client, String name) throws Exception {
        assertThat(client.request("whoami", ByteString.EMPTY).get(10, TimeUnit.SECONDS).getPayload()
            .toString(StandardCharsets.UTF_8)).isEqualTo(name);
    }

    private void awaitEveryStreamPast(long answered) {
        final long target = answered + ECHOES_PER_PHASE;
        for (EchoStream stream : streams) {
            TestServers.await(stream.name + " answering " + target + " echoes; failures " + stream.failures(),
                () -> stream.answered() >= target || !stream.failures().isEmpty());
            assertThat(stream.failures()).as("echoes not answered").isEmpty();
        }
    }

    /** Waits for a counter to reach {@code expected}, then checks it did not go past. */
    private void awaitCount(Metric metric, long expected) {
        TestServers.await(metric.label() + " reaching " + expected, () -> server.counters().total(metric) >= expected);
        assertThat(server.counters().total(metric)).as(metric.label()).isEqualTo(expected);
    }

    /** One client sending echo requests back to back on a virtual thread, each checked against its answer. */
    private static final class EchoStream {
        private final TetherClient client;
        private final String name;
        private final AtomicLong answered = new AtomicLong();
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private volatile boolean stopping;
        private Thread thread;

        private EchoStream(TetherClient client, String name) {
            this.client = client;
            this.name = name;
        }

        static EchoStream start(TetherClient client, String name) {
            final EchoStream stream = new EchoStream(client, name);
            stream.thread = Thread.ofVirtual().name("echo-" + name).start(stream::run);
            return stream;
        }

        long answered() {
            return answered.get();
        }

        List<String> failures() {
            return List.copyOf(failures);
        }

        void stop() throws InterruptedException {
            stopping = true;
            if (!thread.join(Duration.ofSeconds(15))) {
                failures.add(name + ": still waiting for an echo after 15 s");
            }
        }

        private void run() {
            while (!stopping) {
                final String payload = name + " #" + answered.get();
                try {
                    final Response echo = client.request("echo", ByteString.copyFromUtf8(payload))
                        .get(10, TimeUnit.SECONDS);
                    if (echo.getStatus() != 0 || !echo.getPayload().toStringUtf8().equals(payload)) {
                        failures.add(name + ": '" + payload + "' answered with status " + echo.getStatus() + " '"
                            + echo.getPayload().toStringUtf8() + "'");
                        return;
                    }
                    answered.incrementAndGet();
                } catch (Exception e) {
                    failures.add(name + ": '" + payload + "' not answered: " + e);
                    return;
                }
            }
        }
    }
}
