package io.tether.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * A certificate and its private key, as made by {@link CertificateIssuer}.
 *
 * @param certificate the certificate.
 * @param privateKey  its private key.
 */
public record IssuedCertificate(X509Certificate certificate, PrivateKey privateKey) {
    /** @return the certificate as a PEM {@code CERTIFICATE} block. */
    public String certificatePem() {
        return pem(certificate);
    }

    /** @return the key as an unencrypted PKCS#8 PEM {@code PRIVATE KEY} block. */
    public String privateKeyPem() {
        try {
            return pem(new JcaPKCS8Generator(privateKey, null));
        } catch (final IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Writes the certificate and the key; the key file is readable by its owner only where the
     * file system has POSIX permissions.
     */
    public void writePem(final Path certificateFile, final Path keyFile) throws IOException {
        Files.writeString(certificateFile, certificatePem(), StandardCharsets.US_ASCII);
        Files.deleteIfExists(keyFile);
        if (Files.getFileStore(keyFile.toAbsolutePath().getParent()).supportsFileAttributeView("posix")) {
            Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(keyFile, privateKeyPem(), StandardCharsets.US_ASCII);
    }

    static String pem(final Object object) {
        final StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        } catch (final IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return text.toString();
    }
}
