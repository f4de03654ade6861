package io.tether.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ResumeTokenTest {

    private final ResumeTokens tokens = new ResumeTokens();

    @Test
    void shouldRoundTripThroughWireForm() {
        final ResumeToken token = tokens.next();

        final byte[] wire = token.toBytes();

        assertThat(wire).hasSize(16);
        assertThat(ResumeToken.fromBytes(wire)).isEqualTo(token);
        assertThat(token.matches(wire)).isTrue();
    }

    @Test
    void shouldPutHighHalfFirstBigEndian() {
        final ResumeToken token = new ResumeToken(0x0102030405060708L, 0x090A0B0C0D0E0F10L);

        assertThat(token.toBytes()).containsExactly(
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    }

    @Test
    void shouldNotMatchWhenAnySingleBitDiffers() {
        final ResumeToken token = tokens.next();
        final byte[] wire = token.toBytes();

        for (int bit = 0; bit < 128; bit++) {
            final byte[] tampered = wire.clone();
            tampered[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThat(token.matches(tampered)).as("bit %d flipped", bit).isFalse();
            assertThat(ResumeToken.fromBytes(tampered)).isNotEqualTo(token);
        }
    }

    @Test
    void shouldNotMatchMissingOrWronglySizedInput() {
        final ResumeToken token = tokens.next();
        final byte[] longer = new byte[17];
        System.arraycopy(token.toBytes(), 0, longer, 0, 16);

        assertThat(token.matches(null)).isFalse();
        assertThat(token.matches(new byte[0])).isFalse();
        assertThat(token.matches(longer)).isFalse();
    }

    @Test
    void shouldRejectWronglySizedWireForm() {
        assertThatThrownBy(() -> ResumeToken.fromBytes(new byte[15]))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("16 bytes");
    }

    @Test
    void shouldIssueDistinctTokens() {
        final Set<ResumeToken> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            seen.add(tokens.next());
        }

        assertThat(seen).hasSize(10_000);
    }

    @Test
    void shouldNotPrintTheSecret() {
        final ResumeToken token = new ResumeToken(0x1234567890ABCDEFL, 0x1122334455667788L);

        assertThat(token.toString()).doesNotContain("1234", "1311768467294899695", "abcdef", "ABCDEF");
    }
}
