package io.tether.tls;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JdkFirstJcaJceHelperTest {
    private final JdkFirstJcaJceHelper helper = new JdkFirstJcaJceHelper(CryptoProviders.bouncyCastle());

    @Test
    void shouldTakeWhatTheJdkHasFromTheJdk() throws Exception {
        assertThat(helper.createCipher("AES/GCM/NoPadding").getProvider().getName()).isEqualTo("SunJCE");
        assertThat(helper.createMac("HmacSHA256").getProvider().getName()).isEqualTo("SunJCE");
        assertThat(helper.createSignature("SHA256withECDSA").getProvider().getName()).isEqualTo("SunEC");
        assertThat(helper.createKeyAgreement("X25519").getProvider().getName()).isEqualTo("SunEC");
    }

    @Test
    void shouldTakeWhatOnlyBouncyCastleHasFromBouncyCastle() throws Exception {
        // BCJSSE's name for the ChaCha20 of TLS; the JDK calls its cipher ChaCha20-Poly1305.
        assertThat(helper.createCipher("ChaCha7539").getProvider().getName()).isEqualTo("BC");
        assertThat(helper.createMac("Poly1305").getProvider().getName()).isEqualTo("BC");
    }
}
