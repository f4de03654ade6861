package io.tether.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordRingTest {

    @Test
    void shouldWrapWithAPaddingHeaderWhenTheEndIsTooShort() {
        final RecordRing ring = new RecordRing(32, 32);
        append(ring, 10, 1);
        append(ring, 10, 2);
        ring.removeFirst();

        final int at = ring.tryClaim(6);

        assertThat(at).as("only 4 bytes left at the end: wrapped to 0").isEqualTo(RecordRing.HEADER_LENGTH);
        ring.buffer()[at] = 3;
        assertThat(firstBytes(ring)).containsExactly(2, 3);
    }

    @Test
    void shouldWrapWhenFewerBytesThanAHeaderRemain() {
        final RecordRing ring = new RecordRing(32, 32);
        append(ring, 12, 1);
        append(ring, 10, 2);
        ring.removeFirst();

        append(ring, 8, 3);

        assertThat(firstBytes(ring)).containsExactly(2, 3);
        ring.removeFirst();
        assertThat(ring.first()).isZero();
        assertThat(firstBytes(ring)).containsExactly(3);
    }

    @Test
    void shouldRefuseWhenFullAndGrowOnlyUpToTheMaximum() {
        final RecordRing ring = new RecordRing(40, 16);
        append(ring, 6, 1);
        append(ring, 6, 2);
        append(ring, 6, 3);
        assertThat(ring.capacity()).as("doubled to a power of two").isEqualTo(32);
        append(ring, 6, 4);
        assertThat(ring.capacity()).as("clamped to the maximum").isEqualTo(40);

        assertThat(ring.tryClaim(0)).isEqualTo(-1);
        assertThat(firstBytes(ring)).containsExactly(1, 2, 3, 4);
        assertThat(ring.recordBytes()).isEqualTo(40);
    }

    @Test
    void shouldRejectARecordItCanNeverHold() {
        final RecordRing ring = new RecordRing(16, 16);

        assertThat(ring.canHold(12)).isTrue();
        assertThat(ring.canHold(13)).isFalse();
        assertThatThrownBy(() -> ring.tryClaim(13)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldReleaseOnlyWhenEmpty() {
        final RecordRing ring = new RecordRing(64, 16);
        append(ring, 4, 1);

        ring.release();
        assertThat(ring.capacity()).isEqualTo(16);
        ring.removeFirst();
        ring.release();
        assertThat(ring.capacity()).isZero();
        assertThat(ring.buffer()).isNull();
    }

    private static void append(final RecordRing ring, final int length, final int marker) {
        final int at = ring.tryClaim(length);
        assertThat(at).isNotNegative();
        ring.buffer()[at] = (byte) marker;
    }

    private static List<Integer> firstBytes(final RecordRing ring) {
        final List<Integer> bytes = new ArrayList<>();
        for (int i = 0, at = ring.first(); i < ring.count(); i++, at = ring.next(at)) {
            bytes.add((int) ring.buffer()[RecordRing.payloadOffset(at)]);
        }
        return bytes;
    }
}
