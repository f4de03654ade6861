package io.tether.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TlsContextTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void shouldEnableOnlyTls13ByDefaultAndRequireClientCertificateWhenCaGiven(final TlsProvider provider) {
        final TestPki pki = TestPki.create(dir, "a");

        final TlsContext context = TlsContext.forServer(pki.serverSettings(provider));
        final SSLEngine engine = context.newServerEngine();

        assertThat(engine.getEnabledProtocols()).containsExactly("TLSv1.3");
        assertThat(engine.getEnabledCipherSuites()).isNotEmpty().allMatch(s -> s.startsWith("TLS_AES_") ||
            s.startsWith("TLS_CHACHA20_"));
        assertThat(engine.getNeedClientAuth()).isTrue();
        assertThat(context.clientAuth()).isEqualTo(ClientAuth.REQUIRED);
        assertThat(context.sslContext().getProvider().getName()).isEqualTo(
            provider == TlsProvider.JDK ? "SunJSSE" : "BCJSSE");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void shouldOfferOnlyTethersSignatureSchemesAndLeaveNamedGroupsAtTheDefault(final TlsProvider provider) {
        final TestPki pki = TestPki.create(dir, "a");
        final TlsContext server = TlsContext.forServer(pki.serverSettings(provider));
        final TlsContext client = TlsContext.forClient(pki.clientSettings(provider));
        final SSLEngine fresh = server.sslContext().createSSLEngine();

        for (final SSLEngine engine : List.of(server.newServerEngine(), client.newClientEngine("localhost", 7443))) {
            final SSLParameters parameters = engine.getSSLParameters();
            assertThat(parameters.getSignatureSchemes()).containsExactly(TlsProtocols.SIGNATURE_SCHEMES)
                .noneMatch(s -> s.contains("sha1"));
            assertThat(parameters.getNamedGroups()).isEqualTo(fresh.getSSLParameters().getNamedGroups());
            assertThat(parameters.getUseCipherSuitesOrder()).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void shouldOptInToTls12WithOnlyEcdheAeadSuites(final TlsProvider provider) {
        final TestPki pki = TestPki.create(dir, "a");

        final TlsContext context = TlsContext.forServer(
            pki.serverSettings(provider).withProtocols(List.of("TLSv1.3", "TLSv1.2")));
        final SSLEngine engine = context.newServerEngine();

        assertThat(engine.getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        assertThat(engine.getEnabledCipherSuites())
            .contains("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256")
            .allMatch(s -> !s.contains("_WITH_") ||
                s.startsWith("TLS_ECDHE_") && (s.contains("_GCM_") || s.contains("CHACHA20_POLY1305")));
    }

    @Test
    void shouldRejectKeyOfAnotherCertificate() {
        final TestPki pki = TestPki.create(dir, "a");
        final TlsSettings settings = TlsSettings.mutual(pki.serverCert, pki.clientKey, pki.caCert);

        assertThatThrownBy(() -> TlsContext.forServer(settings))
            .isInstanceOf(TlsMaterialException.class)
            .hasMessageStartingWith(pki.clientKey + ": the key does not match the certificate CN=server");
    }

    @Test
    void shouldRejectChainInWrongOrder() throws Exception {
        final TestPki pki = TestPki.create(dir, "a");
        final Path reversed = dir.resolve("reversed.pem");
        Files.writeString(reversed, Files.readString(pki.caCert) + Files.readString(pki.serverCert));

        assertThatThrownBy(() -> TlsContext.forServer(TlsSettings.mutual(reversed, pki.serverKey, pki.caCert)))
            .hasMessageContaining("the chain must go leaf first");
    }

    @Test
    void shouldAcceptChainWithIssuerAfterLeaf() throws Exception {
        final TestPki pki = TestPki.create(dir, "a");
        final Path chain = dir.resolve("chain.pem");
        Files.writeString(chain, Files.readString(pki.serverCert) + Files.readString(pki.caCert));

        final TlsContext context = TlsContext.forServer(TlsSettings.mutual(chain, pki.serverKey, pki.caCert));

        // The self-signed root at the end is not sent: the peer must hold it already.
        assertThat(context.certificateChain()).hasSize(1);
        assertThat(context.certificateChain().get(0).getSubjectX500Principal().getName()).isEqualTo("CN=server");
    }

    @Test
    void shouldPresentIntermediatesButNotTheRootAFileEndsWith() throws Exception {
        OpenSsl.runOk(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "root.key", "-subj", "/CN=root", "-days", "2", "-out", "root.pem");
        Files.writeString(dir.resolve("ca.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n");
        OpenSsl.runOk(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "mid.key", "-subj", "/CN=mid", "-out", "mid.csr");
        OpenSsl.runOk(dir, "x509", "-req", "-in", "mid.csr", "-CA", "root.pem", "-CAkey", "root.key",
            "-CAcreateserial", "-days", "2", "-extfile", "ca.ext", "-out", "mid.pem");
        OpenSsl.runOk(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "leaf.key", "-subj", "/CN=leaf", "-out", "leaf.csr");
        OpenSsl.runOk(dir, "x509", "-req", "-in", "leaf.csr", "-CA", "mid.pem", "-CAkey", "mid.key",
            "-CAcreateserial", "-days", "2", "-out", "leaf.pem");
        final Path full = dir.resolve("full.pem");
        Files.writeString(full, Files.readString(dir.resolve("leaf.pem")) + Files.readString(dir.resolve("mid.pem")) +
            Files.readString(dir.resolve("root.pem")));
        final Path partial = dir.resolve("partial.pem");
        Files.writeString(partial, Files.readString(dir.resolve("leaf.pem")) + Files.readString(dir.resolve("mid.pem")));
        final Path root = dir.resolve("root.pem");

        for (final Path file : List.of(full, partial)) {
            final TlsContext context = TlsContext.forServer(TlsSettings.mutual(file, dir.resolve("leaf.key"), root));
            assertThat(context.certificateChain()).extracting(c -> c.getSubjectX500Principal().getName())
                .as(file.getFileName().toString()).containsExactly("CN=leaf", "CN=mid");
        }
        // A self-signed certificate alone is the leaf, and is sent.
        assertThat(TlsContext.forServer(TlsSettings.mutual(root, dir.resolve("root.key"), root)).certificateChain())
            .hasSize(1);
    }

    @Test
    void shouldRejectExpiredCertificate() throws Exception {
        final TestPki pki = TestPki.create(dir, "a");
        final Instant past = Instant.now().minus(Duration.ofDays(2));
        pki.issuer.issue("old", List.of("localhost"), KeyPurposeId.id_kp_serverAuth, past, past.plusSeconds(60))
            .writePem(dir.resolve("old.pem"), dir.resolve("old.key"));

        assertThatThrownBy(() -> TlsContext.forServer(
            TlsSettings.mutual(dir.resolve("old.pem"), dir.resolve("old.key"), pki.caCert)))
            .hasMessageContaining("old.pem: the certificate expired at ");
    }

    @Test
    void shouldBuildFromOpensslRsaAndEncryptedKeys() throws Exception {
        Files.writeString(dir.resolve("pass.txt"), "pw\n");
        OpenSsl.runOk(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rsa8.key",
            "-subj", "/CN=rsa", "-days", "2", "-out", "rsa.pem");
        OpenSsl.runOk(dir, "rsa", "-in", "rsa8.key", "-traditional", "-out", "rsa1.key");
        OpenSsl.runOk(dir, "pkcs8", "-topk8", "-in", "rsa8.key", "-v2", "aes-256-cbc", "-passout", "file:pass.txt",
            "-out", "rsa-enc.key");

        final TlsContext pkcs1 = TlsContext.forServer(
            TlsSettings.mutual(dir.resolve("rsa.pem"), dir.resolve("rsa1.key"), null));
        final TlsContext encrypted = TlsContext.forServer(new TlsSettings(dir.resolve("rsa.pem"),
            dir.resolve("rsa-enc.key"), dir.resolve("pass.txt"), null, TlsProvider.BC, null, null, false));

        assertThat(pkcs1.clientAuth()).isEqualTo(ClientAuth.NONE);
        assertThat(encrypted.certificateChain().get(0).getSubjectX500Principal().getName()).isEqualTo("CN=rsa");
    }

    @Test
    void shouldRefuseInconsistentSettings() {
        final Path cert = dir.resolve("c.pem");
        final Path key = dir.resolve("k.pem");

        assertThatThrownBy(() -> new TlsSettings(cert, null, null, null, null, null, null, false))
            .hasMessageContaining("tls-cert and tls-key go together");
        assertThatThrownBy(() -> new TlsSettings(cert, key, null, null, null, ClientAuth.REQUIRED, null, false))
            .hasMessageContaining("tls-client-auth required needs tls-ca");
        assertThatThrownBy(() -> TlsSettings.mutual(cert, key, null).withProtocols(List.of("TLSv1.1")))
            .hasMessageContaining("not 'TLSv1.1'");
        assertThat(TlsSettings.disabled().enabled()).isFalse();
        assertThat(TlsProvider.fromFlag("BC")).isEqualTo(TlsProvider.BC);
        assertThat(ClientAuth.fromFlag("optional")).isEqualTo(ClientAuth.OPTIONAL);
    }
}
