package io.tether.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;

import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.TlsNonceGenerator;
import org.junit.jupiter.api.Test;

class CryptoProvidersTest {
    @Test
    void shouldGiveEveryConnectionTheSameNonceGeneratorOfFreshRandomNonces() {
        final TlsCrypto crypto = new CryptoProviders.JdkFirstCrypto(CryptoProviders.bouncyCastle())
            .create((SecureRandom)null);

        final TlsNonceGenerator first = crypto.createNonceGenerator(new byte[] {1});
        final TlsNonceGenerator second = crypto.createNonceGenerator(new byte[] {2});

        assertThat(second).isSameAs(first);
        final Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            final byte[] nonce = (i % 2 == 0 ? first : second).generateNonce(32);
            assertThat(nonce).hasSize(32);
            assertThat(seen.add(java.util.HexFormat.of().formatHex(nonce))).isTrue();
        }
        assertThat(first.generateNonce(7)).hasSize(7);
    }
}
