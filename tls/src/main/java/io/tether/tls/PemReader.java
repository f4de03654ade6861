package io.tether.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCSException;

/**
 * Reads certificates and private keys from PEM text with BouncyCastle's {@link PEMParser}.
 * <p>
 * Keys may be PKCS#8 ({@code PRIVATE KEY}), PKCS#1 RSA ({@code RSA PRIVATE KEY}), SEC1 EC
 * ({@code EC PRIVATE KEY}, with or without a leading {@code EC PARAMETERS} block), encrypted
 * PKCS#8 ({@code ENCRYPTED PRIVATE KEY}) or legacy OpenSSL-encrypted PKCS#1/SEC1. Every failure
 * is a {@link TlsMaterialException} naming the file.
 * <p>
 * The methods that take the content as bytes exist so that a caller can hash exactly the bytes
 * it parsed: reading the file twice could see two different versions of it.
 */
public final class PemReader {
    private PemReader() {
    }

    /** @return the bytes of a file, or a {@link TlsMaterialException} saying why they cannot be read. */
    public static byte[] readFile(final Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (final NoSuchFileException ex) {
            throw new TlsMaterialException(file, "file does not exist", ex);
        } catch (final IOException ex) {
            throw new TlsMaterialException(file, "cannot read: " + ex, ex);
        }
    }

    /** @return every certificate in the file, in file order; at least one. */
    public static List<X509Certificate> readCertificates(final Path file) {
        return readCertificates(file, readFile(file));
    }

    /**
     * @param file    where the content came from, for messages.
     * @param content PEM text.
     * @return every {@code CERTIFICATE} block, in order; other blocks are ignored.
     */
    public static List<X509Certificate> readCertificates(final Path file, final byte[] content) {
        final JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        final List<X509Certificate> certificates = new ArrayList<>();
        boolean sawKey = false;
        try (PEMParser parser = parser(content)) {
            for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
                if (item instanceof X509CertificateHolder holder) {
                    certificates.add(converter.getCertificate(holder));
                } else if (isKey(item)) {
                    sawKey = true;
                }
            }
        } catch (final IOException ex) {
            throw new TlsMaterialException(file, "malformed PEM (is the file complete?): " + ex.getMessage(), ex);
        } catch (final CertificateException ex) {
            throw new TlsMaterialException(file, "a CERTIFICATE block is not a valid X.509 certificate: " +
                ex.getMessage(), ex);
        }
        if (certificates.isEmpty()) {
            throw new TlsMaterialException(file, "no CERTIFICATE block found" +
                (sawKey ? " (it holds a private key: was it given in place of the certificate?)" : ""));
        }
        return List.copyOf(certificates);
    }

    /** @return the first private key in the file. */
    public static PrivateKey readPrivateKey(final Path file, final char[] password) {
        return readPrivateKey(file, readFile(file), password);
    }

    /**
     * @param file     where the content came from, for messages.
     * @param content  PEM text.
     * @param password for an encrypted key, or null when none was given.
     * @return the first private key in the content.
     */
    public static PrivateKey readPrivateKey(final Path file, final byte[] content, final char[] password) {
        boolean sawCertificate = false;
        try (PEMParser parser = parser(content)) {
            for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
                if (isKey(item)) {
                    return toPrivateKey(file, item, password);
                }
                sawCertificate |= item instanceof X509CertificateHolder;
            }
        } catch (final IOException ex) {
            throw new TlsMaterialException(file, "malformed PEM (is the file complete?): " + ex.getMessage(), ex);
        }
        throw new TlsMaterialException(file, "no private key block found" +
            (sawCertificate ? " (it holds a certificate: was it given in place of the key?)" : ""));
    }

    /**
     * Reads a key password: the whole file as UTF-8 without its trailing line break, the way
     * {@code openssl -passin file:} reads it.
     */
    public static char[] readPassword(final Path file) {
        return readPassword(file, readFile(file));
    }

    /** Reads a key password from content read earlier: see {@link #readPassword(Path)}. */
    public static char[] readPassword(final Path file, final byte[] content) {
        final String text = new String(content, StandardCharsets.UTF_8);
        int end = text.length();
        while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
            end--;
        }
        if (end == 0) {
            throw new TlsMaterialException(file, "the password file is empty");
        }
        final char[] password = new char[end];
        text.getChars(0, end, password, 0);
        return password;
    }

    private static PEMParser parser(final byte[] content) {
        final Reader reader = new InputStreamReader(new ByteArrayInputStream(content), StandardCharsets.US_ASCII);
        return new PEMParser(reader);
    }

    private static boolean isKey(final Object item) {
        return item instanceof PrivateKeyInfo || item instanceof PEMKeyPair ||
            item instanceof PKCS8EncryptedPrivateKeyInfo || item instanceof PEMEncryptedKeyPair;
    }

    private static PrivateKey toPrivateKey(final Path file, final Object item, final char[] password)
        throws IOException {
        final JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        if (item instanceof PrivateKeyInfo info) {
            return converter.getPrivateKey(info);
        }
        if (item instanceof PEMKeyPair pair) {
            return converter.getKeyPair(pair).getPrivate();
        }
        if (password == null) {
            throw new TlsMaterialException(file, "the key is encrypted and no password was given " +
                "(--tls-key-password-file)");
        }
        try {
            if (item instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
                final var decryptor = new JceOpenSSLPKCS8DecryptorProviderBuilder()
                    .setProvider(CryptoProviders.bouncyCastle())
                    .build(password);
                return converter.getPrivateKey(encrypted.decryptPrivateKeyInfo(decryptor));
            }
            final var decryptor = new JcePEMDecryptorProviderBuilder()
                .setProvider(CryptoProviders.bouncyCastle())
                .build(password);
            return converter.getKeyPair(((PEMEncryptedKeyPair)item).decryptKeyPair(decryptor)).getPrivate();
        } catch (final PKCSException | OperatorCreationException | IOException | RuntimeException ex) {
            // A wrong password usually fails the padding check; now and then the padding passes by
            // chance and the decrypted bytes then fail to parse, hence the broad catch.
            throw new TlsMaterialException(file, "cannot decrypt the key (wrong password?): " + ex.getMessage(), ex);
        }
    }
}
