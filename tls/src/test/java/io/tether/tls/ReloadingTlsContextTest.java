package io.tether.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReloadingTlsContextTest {
    /** Long enough that only a file event can trigger a check during the test. */
    private static final Duration EVENTS_ONLY = Duration.ofHours(1);

    @TempDir
    Path dir;

    private TestPki pki;
    private final RecordingReloadListener listener = new RecordingReloadListener();

    @BeforeEach
    void createPki() {
        pki = TestPki.create(dir, "a");
    }

    @Test
    void shouldSwapContextWhenNewCertificateAndKeyAreRenamedIntoPlace() throws Exception {
        try (ReloadingTlsContext context = ReloadingTlsContext.start(pki.serverSettings(TlsProvider.JDK), listener,
            EVENTS_ONLY)) {
            final TlsContext before = context.current();

            final BigInteger newSerial = renameIntoPlace(pki.serverCert, pki.serverKey, newServerCertificate());

            assertThat(awaitReload()).isEqualTo("reloaded " + newSerial);
            assertThat(serial(context.current())).isEqualTo(newSerial);
            assertThat(context.reloadCount()).isEqualTo(1);
            assertThat(serial(before)).isNotEqualTo(newSerial);
            assertThat(before.newServerEngine()).isNotNull(); // a connection holding the old context keeps working
        }
    }

    @Test
    void shouldKeepOldContextOnMismatchedKeyAndTakeNextGoodWrite() throws Exception {
        try (ReloadingTlsContext context = ReloadingTlsContext.start(pki.serverSettings(TlsProvider.JDK), listener,
            EVENTS_ONLY)) {
            final BigInteger original = serial(context.current());

            atomicCopy(pki.clientKey, pki.serverKey);

            assertThat(listener.next()).startsWith("failed " + pki.serverKey + ": the key does not match");
            assertThat(context.failedReloadCount()).isEqualTo(1);
            assertThat(context.lastFailure()).isInstanceOf(TlsMaterialException.class);
            assertThat(serial(context.current())).isEqualTo(original);

            final BigInteger newSerial = renameIntoPlace(pki.serverCert, pki.serverKey, newServerCertificate());

            assertThat(awaitReload()).isEqualTo("reloaded " + newSerial);
            assertThat(serial(context.current())).isEqualTo(newSerial);
        }
    }

    @Test
    void shouldDetectSymlinkSwapWithPeriodicCheck() throws Exception {
        // The Kubernetes layout, with the swapped link outside the watched directory so that no
        // event can announce it: watched/server.pem -> ../data/server.pem, data -> v1.
        final Path v1 = Files.createDirectories(dir.resolve("v1"));
        final Path watched = Files.createDirectories(dir.resolve("watched"));
        Files.copy(pki.serverCert, v1.resolve("server.pem"));
        Files.copy(pki.serverKey, v1.resolve("server.key"));
        Files.copy(pki.caCert, watched.resolve("ca.pem"));
        Files.createSymbolicLink(dir.resolve("data"), Path.of("v1"));
        Files.createSymbolicLink(watched.resolve("server.pem"), Path.of("../data/server.pem"));
        Files.createSymbolicLink(watched.resolve("server.key"), Path.of("../data/server.key"));
        final TlsSettings settings = TlsSettings.mutual(
            watched.resolve("server.pem"), watched.resolve("server.key"), watched.resolve("ca.pem"));

        try (ReloadingTlsContext context = ReloadingTlsContext.start(settings, listener, Duration.ofMillis(200))) {
            final Path v2 = Files.createDirectories(dir.resolve("v2"));
            final IssuedCertificate next = newServerCertificate();
            next.writePem(v2.resolve("server.pem"), v2.resolve("server.key"));
            Files.createSymbolicLink(dir.resolve("data.new"), Path.of("v2"));
            Files.move(dir.resolve("data.new"), dir.resolve("data"), StandardCopyOption.ATOMIC_MOVE);

            assertThat(listener.next()).isEqualTo("reloaded " + next.certificate().getSerialNumber());
            assertThat(serial(context.current())).isEqualTo(next.certificate().getSerialNumber());
            assertThat(context.failedReloadCount()).isZero();
        }
    }

    @Test
    void shouldWarnOnceWhenServingCertificateExpiresWithin72Hours() throws Exception {
        final Instant start = Instant.now();
        final AtomicReference<Instant> now = new AtomicReference<>(start);
        final ReloadingTlsContext context = ReloadingTlsContext.load(
            pki.serverSettings(TlsProvider.JDK), listener, now::get);
        final long validFor = Duration.between(start, context.current().notAfter()).toSeconds();

        assertThat(context.expiresSoon()).isFalse();
        assertThat(context.secondsToExpiry()).isEqualTo(validFor);
        assertThat(listener.poll()).isNull();

        now.set(context.current().notAfter().minus(Duration.ofHours(71)));
        context.checkNow();
        context.checkNow();

        assertThat(context.expiresSoon()).isTrue();
        assertThat(context.secondsToExpiry()).isEqualTo(Duration.ofHours(71).toSeconds());
        assertThat(listener.poll()).isEqualTo("expiring in 71h");
        assertThat(listener.poll()).isNull();
    }

    @Test
    void shouldWarnAtLoadWhenCertificateIsAlreadyShortLived() throws Exception {
        final Instant now = Instant.now();
        pki.issuer.issue("short", List.of("localhost"), KeyPurposeId.id_kp_serverAuth, now.minusSeconds(60),
            now.plus(Duration.ofHours(48)).minusSeconds(1)).writePem(pki.serverCert, pki.serverKey);

        final ReloadingTlsContext context = ReloadingTlsContext.load(
            pki.serverSettings(TlsProvider.JDK), listener, () -> now);

        assertThat(listener.next()).isEqualTo("expiring in 47h");
        assertThat(context.expiresSoon()).isTrue();
    }

    @Test
    void shouldRefuseToStartWithUnusableMaterial() {
        final TlsSettings mismatched = TlsSettings.mutual(pki.serverCert, pki.clientKey, pki.caCert);

        assertThatThrownBy(() -> ReloadingTlsContext.start(mismatched, listener, EVENTS_ONLY))
            .isInstanceOf(TlsMaterialException.class)
            .hasMessageContaining("the key does not match the certificate");
    }

    @Test
    void shouldEndWatcherThreadOnClose() {
        final ReloadingTlsContext context = ReloadingTlsContext.start(
            pki.serverSettings(TlsProvider.JDK), listener, EVENTS_ONLY);
        final Thread thread = context.watcher().thread();
        assertThat(thread.isDaemon()).isTrue();
        assertThat(thread.getName()).isEqualTo("tether-tls-reload");

        context.close();

        assertThat(thread.isAlive()).isFalse();
        assertThat(context.current()).isNotNull();
    }

    /** @return the next "reloaded" event; a rename pair seen half-done may report a failure first. */
    private String awaitReload() throws InterruptedException {
        for (int i = 0; i < 10; i++) {
            final String event = listener.next();
            if (!event.startsWith("failed ")) {
                return event;
            }
        }
        throw new AssertionError("no reload after 10 failures");
    }

    private IssuedCertificate newServerCertificate() {
        return pki.issuer.issueServer("server", List.of(), TestPki.VALIDITY);
    }

    /** Writes the certificate and key beside their targets, then renames each over its target. */
    private BigInteger renameIntoPlace(final Path cert, final Path key, final IssuedCertificate issued)
        throws Exception {
        final Path newCert = dir.resolve("incoming.pem");
        final Path newKey = dir.resolve("incoming.key");
        issued.writePem(newCert, newKey);
        Files.move(newCert, cert, StandardCopyOption.ATOMIC_MOVE);
        Files.move(newKey, key, StandardCopyOption.ATOMIC_MOVE);
        return issued.certificate().getSerialNumber();
    }

    private void atomicCopy(final Path from, final Path to) throws Exception {
        final Path staged = dir.resolve("staged.tmp");
        Files.copy(from, staged);
        Files.move(staged, to, StandardCopyOption.ATOMIC_MOVE);
    }

    private static BigInteger serial(final TlsContext context) {
        return context.certificateChain().get(0).getSerialNumber();
    }
}
