package io.tether.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * A certificate chain (leaf first) and the private key of its leaf, checked to belong together.
 *
 * @param chain the leaf certificate followed by the intermediates that lead to a trusted root.
 * @param key   the private key of the leaf.
 */
record KeyMaterial(List<X509Certificate> chain, PrivateKey key) {
    private static final SecureRandom RANDOM = new SecureRandom();

    KeyMaterial {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("empty chain");
        }
    }

    /**
     * Parses and validates a chain and its key.
     *
     * @param certFile the PEM chain, for messages.
     * @param keyFile  the PEM key, for messages.
     * @param files    the contents read for both (and the password file if any).
     * @param password the key password, or null.
     * @param now      the time the leaf must be valid at.
     */
    static KeyMaterial load(
        final Path certFile, final Path keyFile, final FileContents files, final char[] password, final Instant now) {
        final List<X509Certificate> chain = PemReader.readCertificates(certFile, files.bytes(certFile));
        final PrivateKey key = PemReader.readPrivateKey(keyFile, files.bytes(keyFile), password);
        final KeyMaterial material = new KeyMaterial(chain, key);
        material.checkChain(certFile, now);
        material.checkKeyMatches(keyFile);
        return material;
    }

    X509Certificate leaf() {
        return chain.get(0);
    }

    /**
     * @return the chain this side sends: the file's chain without a self-signed root at its end. The peer must
     * already hold the root as a trust anchor, so sending it proves nothing (RFC 8446 section 4.4.2 and RFC 5246
     * section 7.4.2 let it be left out); it costs every handshake its bytes, and a SunJSSE server keeps a client's
     * chain as sent in each session and in the TLS 1.3 session ticket, which the idle engine retains. A chain of
     * one certificate (a self-signed leaf) is sent as it is.
     */
    List<X509Certificate> presented() {
        final int last = chain.size() - 1;
        return last > 0 && isSelfSigned(chain.get(last)) ? chain.subList(0, last) : chain;
    }

    private static boolean isSelfSigned(final X509Certificate certificate) {
        if (!certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
            return false;
        }
        try {
            certificate.verify(certificate.getPublicKey());
            return true;
        } catch (final GeneralSecurityException ex) {
            return false;
        }
    }

    /** Each certificate must be issued, and signed, by the next one; the leaf must be in date. */
    private void checkChain(final Path certFile, final Instant now) {
        final X509Certificate leaf = leaf();
        try {
            leaf.checkValidity(Date.from(now));
        } catch (final CertificateExpiredException ex) {
            throw new TlsMaterialException(certFile, "the certificate expired at " + leaf.getNotAfter().toInstant());
        } catch (final CertificateNotYetValidException ex) {
            throw new TlsMaterialException(certFile, "the certificate is not valid before " +
                leaf.getNotBefore().toInstant());
        }
        for (int i = 0; i + 1 < chain.size(); i++) {
            final X509Certificate child = chain.get(i);
            final X509Certificate issuer = chain.get(i + 1);
            if (!child.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
                throw new TlsMaterialException(certFile, "certificate " + (i + 1) + " (" +
                    child.getSubjectX500Principal() + ") is issued by " + child.getIssuerX500Principal() +
                    ", but the next one in the file is " + issuer.getSubjectX500Principal() +
                    ": the chain must go leaf first, then each issuer");
            }
            try {
                child.verify(issuer.getPublicKey());
            } catch (final GeneralSecurityException ex) {
                throw new TlsMaterialException(certFile, "certificate " + (i + 1) +
                    " is not signed by the next one in the file: " + ex.getMessage(), ex);
            }
        }
    }

    /** Signs a random probe with the key and verifies it with the leaf's public key. */
    private void checkKeyMatches(final Path keyFile) {
        final PublicKey publicKey = leaf().getPublicKey();
        if (!sameFamily(key.getAlgorithm(), publicKey.getAlgorithm())) {
            throw new TlsMaterialException(keyFile, "the key is " + key.getAlgorithm() +
                " but the certificate's public key is " + publicKey.getAlgorithm());
        }
        final byte[] probe = new byte[32];
        RANDOM.nextBytes(probe);
        try {
            final String algorithm = probeAlgorithm(key.getAlgorithm());
            final Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            final byte[] signature = signer.sign();
            final Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (final GeneralSecurityException | IllegalArgumentException ex) {
            throw new TlsMaterialException(keyFile, "the key does not match the certificate (" +
                ex.getMessage() + ")", ex);
        }
        throw new TlsMaterialException(keyFile, "the key does not match the certificate " +
            leaf().getSubjectX500Principal() + " (a probe signed with the key fails to verify)");
    }

    private static boolean sameFamily(final String keyAlgorithm, final String certAlgorithm) {
        return family(keyAlgorithm).equals(family(certAlgorithm));
    }

    private static String family(final String algorithm) {
        return switch (algorithm) {
            case "Ed25519", "Ed448", "EdDSA" -> "EdDSA";
            case "ECDSA" -> "EC";
            default -> algorithm;
        };
    }

    private static String probeAlgorithm(final String keyAlgorithm) throws GeneralSecurityException {
        return switch (family(keyAlgorithm)) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "EdDSA" -> "EdDSA";
            default -> throw new GeneralSecurityException("unsupported key algorithm " + keyAlgorithm);
        };
    }
}
