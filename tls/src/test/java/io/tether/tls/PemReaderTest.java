package io.tether.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemReaderTest {
    @TempDir
    Path dir;

    @Test
    void shouldReadPkcs8Key() throws Exception {
        final TestPki pki = TestPki.create(dir, "a");
        assertThat(Files.readString(pki.serverKey)).startsWith("-----BEGIN PRIVATE KEY-----");

        final PrivateKey key = PemReader.readPrivateKey(pki.serverKey, null);

        assertThat(key).isInstanceOf(ECPrivateKey.class);
    }

    @Test
    void shouldReadSec1EcKeyWithParametersBlock() throws Exception {
        OpenSsl.runOk(dir, "ecparam", "-name", "prime256v1", "-genkey", "-out", "ec.key");
        assertThat(Files.readString(dir.resolve("ec.key")))
            .contains("-----BEGIN EC PARAMETERS-----", "-----BEGIN EC PRIVATE KEY-----");

        assertThat(PemReader.readPrivateKey(dir.resolve("ec.key"), null)).isInstanceOf(ECPrivateKey.class);
    }

    @Test
    void shouldReadPkcs1RsaKey() throws Exception {
        OpenSsl.runOk(dir, "genrsa", "-traditional", "-out", "rsa.key", "2048");
        assertThat(Files.readString(dir.resolve("rsa.key"))).startsWith("-----BEGIN RSA PRIVATE KEY-----");

        assertThat(PemReader.readPrivateKey(dir.resolve("rsa.key"), null)).isInstanceOf(RSAPrivateKey.class);
    }

    @Test
    void shouldReadEncryptedPkcs8KeyWithPasswordFile() throws Exception {
        final Path key = writeEncryptedEcKey("s3cret phrase\n");
        assertThat(Files.readString(key)).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");

        final char[] password = PemReader.readPassword(dir.resolve("pass.txt"));

        assertThat(new String(password)).isEqualTo("s3cret phrase");
        assertThat(PemReader.readPrivateKey(key, password)).isInstanceOf(ECPrivateKey.class);
    }

    @Test
    void shouldNameFileWhenEncryptedKeyHasWrongOrNoPassword() throws Exception {
        final Path key = writeEncryptedEcKey("right");

        assertThatThrownBy(() -> PemReader.readPrivateKey(key, "wrong".toCharArray()))
            .isInstanceOf(TlsMaterialException.class)
            .hasMessageStartingWith(key.toString())
            .hasMessageContaining("cannot decrypt the key (wrong password?)");
        assertThatThrownBy(() -> PemReader.readPrivateKey(key, null))
            .hasMessageContaining("encrypted and no password was given");
    }

    @Test
    void shouldReadEveryCertificateOfBundleInOrder() throws Exception {
        final TestPki first = TestPki.create(dir, "a");
        final TestPki second = TestPki.create(dir, "b");
        final Path bundle = dir.resolve("bundle.pem");
        Files.writeString(bundle, Files.readString(first.caCert) + Files.readString(second.caCert));

        assertThat(PemReader.readCertificates(bundle))
            .extracting(c -> c.getSubjectX500Principal().getName())
            .containsExactly("CN=a", "CN=b");
    }

    @Test
    void shouldExplainMissingTruncatedAndSwappedFiles() throws Exception {
        final TestPki pki = TestPki.create(dir, "a");
        final Path missing = dir.resolve("nope.pem");
        final Path truncated = dir.resolve("half.pem");
        final String pem = Files.readString(pki.serverCert);
        Files.writeString(truncated, pem.substring(0, pem.length() / 2));

        assertThatThrownBy(() -> PemReader.readCertificates(missing))
            .isInstanceOf(TlsMaterialException.class)
            .hasMessage(missing + ": file does not exist");
        assertThatThrownBy(() -> PemReader.readCertificates(truncated))
            .hasMessageStartingWith(truncated + ": malformed PEM (is the file complete?)");
        assertThatThrownBy(() -> PemReader.readCertificates(pki.serverKey))
            .hasMessageContaining("no CERTIFICATE block found (it holds a private key");
        assertThatThrownBy(() -> PemReader.readPrivateKey(pki.serverCert, null))
            .hasMessageContaining("no private key block found (it holds a certificate");
    }

    @Test
    void shouldRejectEmptyPasswordFile() throws Exception {
        final Path empty = dir.resolve("empty.txt");
        Files.write(empty, "\r\n".getBytes(StandardCharsets.US_ASCII));

        assertThatThrownBy(() -> PemReader.readPassword(empty)).hasMessage(empty + ": the password file is empty");
    }

    /** Has openssl write an AES-256-CBC encrypted PKCS#8 EC key, with its password in pass.txt. */
    private Path writeEncryptedEcKey(final String passwordFileContent) throws Exception {
        Files.writeString(dir.resolve("pass.txt"), passwordFileContent);
        OpenSsl.runOk(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-aes-256-cbc", "-pass", "file:pass.txt", "-out", "enc.key");
        return dir.resolve("enc.key");
    }
}
