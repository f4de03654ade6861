package io.tether.tls;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which protocol versions and cipher suites tether enables: TLS 1.3 by default, TLS 1.2 only on
 * request and then only with forward-secret AEAD suites (ECDHE with AES-GCM or ChaCha20-Poly1305).
 */
final class TlsProtocols {
    static final String TLS_1_3 = "TLSv1.3";
    static final String TLS_1_2 = "TLSv1.2";
    static final List<String> DEFAULT = List.of(TLS_1_3);

    private static final List<String> TLS_1_3_SUITES = List.of(
        "TLS_AES_128_GCM_SHA256",
        "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256");

    private static final List<String> TLS_1_2_SUITES = List.of(
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /**
     * The signature schemes tether offers and accepts, for handshake signatures and certificate
     * chains alike, in the JDK's order: ECDSA, Ed25519, RSA-PSS with an RSA key, RSA PKCS#1 v1.5;
     * SHA-256 or stronger. The same ten as Go's crypto/tls once SHA-1 is left out. Left out of the
     * JDK's default list: the two SHA-1 schemes (TLS 1.3 forbids them for handshake signatures),
     * Ed448 and RSA-PSS with a PSS key (rsa_pss_pss_*), which hardly any certificate uses.
     * <p>
     * A shorter list also keeps each SunJSSE session smaller: the session keeps its own list and
     * the part of the peer's list it accepts, the latter as a linked list of 24 B a scheme.
     */
    static final String[] SIGNATURE_SCHEMES = {
        "ecdsa_secp256r1_sha256",
        "ecdsa_secp384r1_sha384",
        "ecdsa_secp521r1_sha512",
        "ed25519",
        "rsa_pss_rsae_sha256",
        "rsa_pss_rsae_sha384",
        "rsa_pss_rsae_sha512",
        "rsa_pkcs1_sha256",
        "rsa_pkcs1_sha384",
        "rsa_pkcs1_sha512"};

    private TlsProtocols() {
    }

    /**
     * @param protocols as given to {@code --tls-protocols}; null or empty means the default.
     * @return the protocols, without duplicates, in the order given.
     */
    static List<String> normalize(final List<String> protocols) {
        if (protocols == null || protocols.isEmpty()) {
            return DEFAULT;
        }
        final Set<String> unique = new LinkedHashSet<>();
        for (final String protocol : protocols) {
            final String trimmed = protocol.trim();
            if (!TLS_1_3.equals(trimmed) && !TLS_1_2.equals(trimmed)) {
                throw new IllegalArgumentException("tls-protocols may hold TLSv1.3 and TLSv1.2 only, not '" +
                    protocol + "'");
            }
            unique.add(trimmed);
        }
        return List.copyOf(unique);
    }

    /**
     * @param protocols the enabled protocols.
     * @param supported what the provider's engine supports.
     * @return the suites to enable, in preference order, limited to what is supported.
     */
    static String[] cipherSuites(final List<String> protocols, final String[] supported) {
        final Set<String> available = Set.copyOf(Arrays.asList(supported));
        final List<String> suites = new ArrayList<>();
        if (protocols.contains(TLS_1_3)) {
            addSupported(TLS_1_3_SUITES, available, suites);
        }
        if (protocols.contains(TLS_1_2)) {
            addSupported(TLS_1_2_SUITES, available, suites);
        }
        return suites.toArray(new String[0]);
    }

    private static void addSupported(final List<String> wanted, final Set<String> available, final List<String> into) {
        for (final String suite : wanted) {
            if (available.contains(suite)) {
                into.add(suite);
            }
        }
    }
}
