package io.tether.session.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

class SessionIdTest {
    private static final long[] EDGES = {0L, -1L, 1L, Long.MIN_VALUE, Long.MAX_VALUE, 0x0123_4567_89AB_CDEFL};

    @Test
    void shouldFormatAsUnpaddedBase64UrlOfTheBigEndianBytes() {
        final Random random = new Random(42);
        for (int i = 0; i < 1_000; i++) {
            final long high = random.nextLong();
            final long low = random.nextLong();
            final byte[] bytes = ByteBuffer.allocate(16).putLong(high).putLong(low).array();

            assertThat(SessionId.format(high, low))
                .isEqualTo(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes))
                .hasSize(SessionId.TEXT_LENGTH);
        }
    }

    @Test
    void shouldParseWhatItFormats() {
        for (final long high : EDGES) {
            for (final long low : EDGES) {
                final SessionId id = new SessionId(high, low);
                final String text = id.toString();

                assertThat(SessionId.isWellFormed(text)).isTrue();
                assertThat(SessionId.parse(text)).isEqualTo(id);
                final long[] halves = SessionId.decode(text, (h, l) -> new long[] {h, l});
                assertThat(halves).containsExactly(high, low);
            }
        }
    }

    @Test
    void shouldParseTextFromTheJdkEncoder() {
        final byte[] bytes = new byte[16];
        new Random(7).nextBytes(bytes);
        final ByteBuffer buffer = ByteBuffer.wrap(bytes);

        final SessionId id = SessionId.parse(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));

        assertThat(id).isEqualTo(new SessionId(buffer.getLong(0), buffer.getLong(8)));
    }

    @Test
    void shouldRejectMalformedText() {
        final String valid = new SessionId(0x1234L, -0x5678L).toString();
        final String[] malformed = {
            null,
            "",
            valid.substring(1),
            valid + "A",
            "+" + valid.substring(1),
            valid.substring(0, 5) + "/" + valid.substring(6),
            valid.substring(0, 21) + "=",
            valid.substring(0, 9) + "\u00e9" + valid.substring(10),
            valid.substring(0, 9) + "\u0141" + valid.substring(10),
            // The last character carries 4 spare bits that must be zero: 'B' sets one.
            valid.substring(0, 21) + "B",
        };

        for (final String text : malformed) {
            assertThat(SessionId.isWellFormed(text)).as("%s", text).isFalse();
            assertThat(SessionId.decode(text, SessionId::new)).as("%s", text).isNull();
            assertThatThrownBy(() -> SessionId.parse(text)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void shouldDecodeTheHalvesTheJdkDecoderGives() {
        final Random random = new Random(11);
        for (int i = 0; i < 1_000; i++) {
            final byte[] bytes = new byte[16];
            random.nextBytes(bytes);
            final ByteBuffer buffer = ByteBuffer.wrap(bytes);
            final String text = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);

            assertThat(SessionId.isWellFormed(text)).isTrue();
            assertThat(SessionId.high(text)).isEqualTo(buffer.getLong(0));
            assertThat(SessionId.low(text)).isEqualTo(buffer.getLong(8));
        }
    }

    @Test
    void shouldRejectAForeignCharacterAtEveryPosition() {
        // Each position sits at a different shift inside its 4-character group; the sign bit must
        // still catch it.
        final String valid = new SessionId(-1L, -1L).toString();
        for (int position = 0; position < SessionId.TEXT_LENGTH; position++) {
            for (final char foreign : new char[] {'+', '/', '=', ' ', '\u007f', '\u00e9', '\u0141', '\uffff'}) {
                final String text = valid.substring(0, position) + foreign + valid.substring(position + 1);

                assertThat(SessionId.isWellFormed(text)).as("%s", text).isFalse();
                assertThat(SessionId.decode(text, SessionId::new)).as("%s", text).isNull();
            }
        }
    }

    @Test
    void shouldAcceptOnlyTheFourCanonicalLastCharacters() {
        final String prefix = new SessionId(99L, 99L).toString().substring(0, 21);
        final Set<Character> accepted = new HashSet<>();
        for (char c = 0; c < 128; c++) {
            if (SessionId.isWellFormed(prefix + c)) {
                accepted.add(c);
            }
        }

        assertThat(accepted).containsExactlyInAnyOrder('A', 'Q', 'g', 'w');
    }

    @Test
    void shouldGenerateDistinctIds() {
        final SecureRandom random = new SecureRandom();
        final Set<SessionId> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(SessionId.generate(random));
        }
        ids.add(SessionId.generate());

        assertThat(ids).hasSize(10_001);
    }
}
