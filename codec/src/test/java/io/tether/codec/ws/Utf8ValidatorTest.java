package io.tether.codec.ws;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.tether.codec.ws.TestFrames.hex;
import static org.assertj.core.api.Assertions.assertThat;

class Utf8ValidatorTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "", "41", "7F", "C2 80", "DF BF", "E0 A0 80", "E1 80 80", "EC BF BF", "ED 80 80", "ED 9F BF",
        "EE 80 80", "EF BF BF", "F0 90 80 80", "F1 80 80 80", "F3 BF BF BF", "F4 80 80 80", "F4 8F BF BF",
        "CE BA E1 BD B9 CF 83 CE BC CE B5"})
    void shouldAcceptValidSequences(final String bytes) {
        assertThat(validate(hex(bytes))).isEqualTo(Utf8Validator.ACCEPT);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "80", "BF", "C0 80", "C1 BF", "E0 80 80", "E0 9F BF", "F0 80 80 80", "F0 8F BF BF", // stray, overlong
        "ED A0 80", "ED BF BF", "ED A0 80 ED B0 80", // surrogates
        "F4 90 80 80", "F5 80 80 80", "F7 BF BF BF", "F8 88 80 80 80", "FE", "FF", // above U+10FFFF
        "C2 41", "E1 80 41", "F1 80 80 41"}) // a lead interrupted
    void shouldRejectInvalidSequences(final String bytes) {
        assertThat(validate(hex(bytes))).isEqualTo(Utf8Validator.REJECT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"C2", "E0 A0", "E1", "F0 90 80", "F4"})
    void shouldWaitOnTruncatedSequences(final String bytes) {
        assertThat(validate(hex(bytes))).isNotIn(Utf8Validator.ACCEPT, Utf8Validator.REJECT);
    }

    @Test
    void shouldRejectAtTheFirstInvalidByte() {
        int state = Utf8Validator.ACCEPT;
        final byte[] input = hex("61 E2 82 41");
        for (int i = 0; i < 3; i++) {
            state = Utf8Validator.next(state, input[i]);
            assertThat(state).isNotEqualTo(Utf8Validator.REJECT);
        }
        assertThat(Utf8Validator.next(state, input[3])).isEqualTo(Utf8Validator.REJECT);
    }

    @Test
    void shouldAgreeWithTheJdkDecoderWhereverTheInputIsSplit() throws Exception {
        final SplittableRandom random = new SplittableRandom(6455);
        for (int round = 0; round < 5_000; round++) {
            final byte[] input = new byte[random.nextInt(1, 24)];
            for (int i = 0; i < input.length; i++) {
                // Mostly bytes around the interesting boundaries, some ASCII runs for the fast path.
                input[i] = (byte) (random.nextInt(4) == 0 ? 'a' : 0x7F + random.nextInt(0x82));
            }
            final boolean jdkValid = isValidForJdk(input);
            final int cut = random.nextInt(input.length + 1);
            final ByteBuffer buffer = ByteBuffer.wrap(input);
            final int state = Utf8Validator.scan(Utf8Validator.scan(Utf8Validator.ACCEPT, buffer, 0, cut), buffer, cut, input.length);
            assertThat(state == Utf8Validator.ACCEPT).as("input %s", java.util.HexFormat.of().formatHex(input)).isEqualTo(jdkValid);
        }
    }

    @Test
    void shouldSkipAsciiRunsAndStillCatchALateError() {
        final byte[] input = (("a".repeat(37)) + "\u00e9" + "b".repeat(20)).getBytes(StandardCharsets.UTF_8);
        assertThat(validate(input)).isEqualTo(Utf8Validator.ACCEPT);
        input[50] = (byte) 0xFF;
        assertThat(validate(input)).isEqualTo(Utf8Validator.REJECT);
    }

    private static int validate(final byte[] bytes) {
        return Utf8Validator.scan(Utf8Validator.ACCEPT, ByteBuffer.wrap(bytes), 0, bytes.length);
    }

    private static boolean isValidForJdk(final byte[] input) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(input));
            return true;
        } catch (final CharacterCodingException e) {
            return false;
        }
    }
}
