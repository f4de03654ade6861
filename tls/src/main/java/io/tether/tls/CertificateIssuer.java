package io.tether.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority for {@code tether certs}: makes a CA, then server and client
 * certificates it signs. Every key is ECDSA P-256 and every signature SHA256withECDSA, which
 * both JSSE providers and OpenSSL accept.
 */
public final class CertificateIssuer {
    /** The names every server certificate carries, so a local server works out of the box. */
    public static final List<String> DEFAULT_SERVER_NAMES = List.of("localhost", "127.0.0.1");

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern FILE_SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    // Started a little in the past so a peer whose clock lags a few minutes still accepts them.
    private static final Duration BACKDATE = Duration.ofMinutes(5);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final IssuedCertificate authority;

    private CertificateIssuer(final IssuedCertificate authority) {
        this.authority = authority;
    }

    /** Makes a new self-signed CA valid from now for {@code validity}. */
    public static CertificateIssuer newAuthority(final String commonName, final Duration validity) {
        final Instant now = Instant.now();
        return newAuthority(commonName, now.minus(BACKDATE), now.plus(validity));
    }

    static CertificateIssuer newAuthority(final String commonName, final Instant notBefore, final Instant notAfter) {
        final KeyPair keys = newKeyPair();
        final X500Name name = name(commonName);
        try {
            final X509v3CertificateBuilder builder = builder(name, name, keys, notBefore, notAfter);
            final JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                extensions.createSubjectKeyIdentifier(keys.getPublic()));
            return new CertificateIssuer(new IssuedCertificate(sign(builder, keys), keys.getPrivate()));
        } catch (final GeneralSecurityException | CertIOException ex) {
            throw new IllegalStateException("cannot make a CA certificate", ex);
        }
    }

    /** @return the CA's own certificate and key. */
    public IssuedCertificate authority() {
        return authority;
    }

    /**
     * @param commonName the subject CN.
     * @param extraNames DNS names and IP addresses beyond {@link #DEFAULT_SERVER_NAMES}.
     * @param validity   from now.
     * @return a server certificate naming localhost, 127.0.0.1 and the extra names; its purposes are serverAuth and
     *     clientAuth, so a cluster node can also present it to the other nodes it links to.
     */
    public IssuedCertificate issueServer(final String commonName, final List<String> extraNames,
        final Duration validity) {
        final Instant now = Instant.now();
        final Set<String> names = new LinkedHashSet<>(DEFAULT_SERVER_NAMES);
        names.addAll(extraNames);
        return issue(commonName, List.copyOf(names), new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth,
            KeyPurposeId.id_kp_clientAuth}, now.minus(BACKDATE), now.plus(validity));
    }

    /** @return a client certificate (clientAuth) with subject CN {@code name}. */
    public IssuedCertificate issueClient(final String name, final Duration validity) {
        final Instant now = Instant.now();
        return issue(name, List.of(), KeyPurposeId.id_kp_clientAuth, now.minus(BACKDATE), now.plus(validity));
    }

    /** Issues a leaf certificate valid between the two instants. */
    IssuedCertificate issue(
        final String commonName,
        final List<String> subjectAlternativeNames,
        final KeyPurposeId purpose,
        final Instant notBefore,
        final Instant notAfter) {
        return issue(commonName, subjectAlternativeNames, new KeyPurposeId[] {purpose}, notBefore, notAfter);
    }

    private IssuedCertificate issue(
        final String commonName,
        final List<String> subjectAlternativeNames,
        final KeyPurposeId[] purposes,
        final Instant notBefore,
        final Instant notAfter) {
        final KeyPair keys = newKeyPair();
        final X509Certificate caCertificate = authority.certificate();
        try {
            final X509v3CertificateBuilder builder = builder(
                X500Name.getInstance(caCertificate.getSubjectX500Principal().getEncoded()),
                name(commonName), keys, notBefore, notAfter);
            final JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                extensions.createSubjectKeyIdentifier(keys.getPublic()));
            builder.addExtension(Extension.authorityKeyIdentifier, false, authorityKeyIdentifier(caCertificate));
            if (!subjectAlternativeNames.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false, generalNames(subjectAlternativeNames));
            }
            final KeyPair signer = new KeyPair(caCertificate.getPublicKey(), authority.privateKey());
            return new IssuedCertificate(sign(builder, signer), keys.getPrivate());
        } catch (final GeneralSecurityException | CertIOException ex) {
            throw new IllegalStateException("cannot issue a certificate for " + commonName, ex);
        }
    }

    /**
     * Writes what {@code tether certs} produces: ca.pem, ca.key, server.pem, server.key and
     * NAME.pem, NAME.key for each client name.
     *
     * @return the files written.
     */
    public static List<Path> writeCertificateSet(
        final Path directory, final List<String> extraServerNames, final List<String> clientNames,
        final Duration validity) throws IOException {
        for (final String client : clientNames) {
            if (!FILE_SAFE_NAME.matcher(client).matches() || client.equals("ca") || client.equals("server")) {
                throw new IllegalArgumentException("client name '" + client + "' must be letters, digits, '.', " +
                    "'_' or '-' (at most 64, not starting with a sign), and not 'ca' or 'server'");
            }
        }
        Files.createDirectories(directory);
        final CertificateIssuer issuer = newAuthority("tether CA", validity);
        final List<Path> written = new ArrayList<>();
        write(issuer.authority(), directory, "ca", written);
        write(issuer.issueServer("tether server", extraServerNames, validity), directory, "server", written);
        for (final String client : clientNames) {
            write(issuer.issueClient(client, validity), directory, client, written);
        }
        return List.copyOf(written);
    }

    private static void write(
        final IssuedCertificate issued, final Path directory, final String name, final List<Path> written)
        throws IOException {
        final Path certificate = directory.resolve(name + ".pem");
        final Path key = directory.resolve(name + ".key");
        issued.writePem(certificate, key);
        written.add(certificate);
        written.add(key);
    }

    /**
     * The CA's key identifier alone (RFC 5280 4.2.1.1). Not the CA's name and serial number as well, which BouncyCastle
     * adds when given the CA certificate: they tie the leaf to that one CA certificate rather than to its key (a CA
     * certificate renewed with the same key would no longer match them), the CA/Browser Forum's profile forbids
     * them, and they made every leaf 44 bytes longer, bytes every handshake sends and a SunJSSE server keeps, per
     * idle session, in the TLS 1.3 session ticket that carries the client's certificate.
     */
    private static AuthorityKeyIdentifier authorityKeyIdentifier(final X509Certificate caCertificate)
        throws GeneralSecurityException {
        final byte[] extension = caCertificate.getExtensionValue(Extension.subjectKeyIdentifier.getId());
        if (extension == null) {
            return new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(caCertificate.getPublicKey());
        }
        try {
            return new AuthorityKeyIdentifier(
                SubjectKeyIdentifier.getInstance(JcaX509ExtensionUtils.parseExtensionValue(extension))
                    .getKeyIdentifier());
        } catch (final IOException ex) {
            throw new GeneralSecurityException("unreadable subject key identifier in the CA certificate", ex);
        }
    }

    private static GeneralNames generalNames(final List<String> names) {
        final GeneralName[] generalNames = new GeneralName[names.size()];
        for (int i = 0; i < generalNames.length; i++) {
            final String value = names.get(i);
            final boolean isAddress = IPV4.matcher(value).matches() || value.indexOf(':') >= 0;
            generalNames[i] = new GeneralName(isAddress ? GeneralName.iPAddress : GeneralName.dNSName, value);
        }
        return new GeneralNames(generalNames);
    }

    private static X509v3CertificateBuilder builder(
        final X500Name issuer, final X500Name subject, final KeyPair keys, final Instant notBefore,
        final Instant notAfter) {
        // 127 random bits: positive, unique in practice, and within the 20 octets RFC 5280 allows.
        final BigInteger serial = new BigInteger(127, RANDOM).setBit(126);
        return new JcaX509v3CertificateBuilder(
            issuer, serial, Date.from(notBefore), Date.from(notAfter), subject, keys.getPublic());
    }

    private static X509Certificate sign(final X509v3CertificateBuilder builder, final KeyPair signer)
        throws GeneralSecurityException {
        try {
            final var contentSigner = new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
        } catch (final OperatorCreationException ex) {
            throw new GeneralSecurityException(ex);
        }
    }

    private static X500Name name(final String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    }

    private static KeyPair newKeyPair() {
        try {
            final KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (final GeneralSecurityException ex) {
            throw new IllegalStateException("every JDK has EC P-256", ex);
        }
    }
}
