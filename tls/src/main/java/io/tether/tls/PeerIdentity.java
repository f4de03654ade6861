package io.tether.tls;

import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who is on the other side of a TLS connection, read from its session. A connection does not keep
 * one: {@link TlsConnection#peerIdentity()} reads it from the handshake's session on each call.
 *
 * @param subject     the peer certificate's subject (RFC 2253), or null when the peer presented none.
 * @param dnsNames    DNS subject alternative names.
 * @param ipAddresses IP address subject alternative names.
 * @param uris        URI subject alternative names (SPIFFE IDs, for example).
 * @param emails      RFC 822 subject alternative names.
 * @param chain       the peer's chain, leaf first; empty when it presented none.
 * @param protocol    the negotiated protocol, such as {@code TLSv1.3}.
 * @param cipherSuite the negotiated cipher suite.
 */
public record PeerIdentity(
    String subject,
    List<String> dnsNames,
    List<String> ipAddresses,
    List<String> uris,
    List<String> emails,
    List<X509Certificate> chain,
    String protocol,
    String cipherSuite) {
    private static final int SAN_EMAIL = 1;
    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;
    private static final int SAN_IP = 7;

    public PeerIdentity {
        dnsNames = List.copyOf(dnsNames);
        ipAddresses = List.copyOf(ipAddresses);
        uris = List.copyOf(uris);
        emails = List.copyOf(emails);
        chain = List.copyOf(chain);
    }

    /** Reads the identity of the peer from an established session. */
    public static PeerIdentity of(final SSLSession session) {
        final List<X509Certificate> chain = new ArrayList<>();
        try {
            for (final Certificate certificate : session.getPeerCertificates()) {
                if (certificate instanceof X509Certificate x509) {
                    chain.add(x509);
                }
            }
        } catch (final SSLPeerUnverifiedException ex) {
            // No certificate: client auth was off or optional and the client sent none.
        }
        final List<String> dns = new ArrayList<>();
        final List<String> ips = new ArrayList<>();
        final List<String> uris = new ArrayList<>();
        final List<String> emails = new ArrayList<>();
        String subject = null;
        if (!chain.isEmpty()) {
            final X509Certificate leaf = chain.get(0);
            subject = leaf.getSubjectX500Principal().getName();
            collectAlternativeNames(leaf, dns, ips, uris, emails);
        }
        return new PeerIdentity(subject, dns, ips, uris, emails, chain, session.getProtocol(), session.getCipherSuite());
    }

    /** @return whether the peer proved a certificate. */
    public boolean authenticated() {
        return subject != null;
    }

    /** @return the CN of the subject, or null when there is no subject or no CN in it. */
    public String commonName() {
        if (subject == null) {
            return null;
        }
        try {
            final List<Rdn> rdns = new LdapName(subject).getRdns();
            // LdapName lists RDNs from the last to the first as written; the most specific CN wins.
            for (final Rdn rdn : rdns.reversed()) {
                if ("CN".equalsIgnoreCase(rdn.getType())) {
                    return rdn.getValue().toString();
                }
            }
        } catch (final InvalidNameException ex) {
            return null;
        }
        return null;
    }

    private static void collectAlternativeNames(
        final X509Certificate leaf, final List<String> dns, final List<String> ips, final List<String> uris,
        final List<String> emails) {
        final Collection<List<?>> names;
        try {
            names = leaf.getSubjectAlternativeNames();
        } catch (final CertificateParsingException ex) {
            return;
        }
        if (names == null) {
            return;
        }
        for (final List<?> name : names) {
            if (name.size() < 2 || !(name.get(0) instanceof Integer type) || !(name.get(1) instanceof String value)) {
                continue;
            }
            switch (type) {
                case SAN_DNS -> dns.add(value);
                case SAN_IP -> ips.add(value);
                case SAN_URI -> uris.add(value);
                case SAN_EMAIL -> emails.add(value);
                default -> {
                    // Other name forms (directory names, other names) are not identities tether uses.
                }
            }
        }
    }
}
