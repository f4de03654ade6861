package io.tether.engine.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionImageTest {
    private final SessionImage image = new SessionImage(0x0042_0000_0000_0001L, 7, 11, 13, "dev-7", 3, 5, 4,
        List.of(new byte[] {1, 2, 3}, new byte[0]),
        List.of(new SessionImage.Response(9, new byte[] {9, 9}), new SessionImage.Response(10, null)));

    @Test
    void shouldComeBackFromItsBytesAsItWas() {
        final SessionImage back = SessionImage.fromBytes(image.toBytes());

        assertThat(back.id()).isEqualTo(image.id());
        assertThat(back.clientId()).isEqualTo("dev-7");
        assertThat(List.of(back.secretHigh(), back.secretLow(), back.helloSeq(), back.firstSeq(),
            back.lostThroughSeq())).containsExactly(11L, 13L, 3L, 5L, 4L);
        assertThat(back.pushes()).hasSize(2);
        assertThat(back.pushes().get(0)).containsExactly(1, 2, 3);
        assertThat(back.pushes().get(1)).isEmpty();
        assertThat(back.responses().get(0).requestId()).isEqualTo(9);
        assertThat(back.responses().get(0).body()).containsExactly(9, 9);
        assertThat(back.responses().get(1).body()).isNull(); // answered, too large to keep
    }

    @Test
    void shouldRefuseBytesThatAreNotAWholeImage() {
        final byte[] bytes = image.toBytes();

        assertThatThrownBy(() -> SessionImage.fromBytes(Arrays.copyOf(bytes, bytes.length - 1)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> SessionImage.fromBytes(Arrays.copyOf(bytes, bytes.length + 1)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("after the session image");
        bytes[0] = 9;
        assertThatThrownBy(() -> SessionImage.fromBytes(bytes)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("version");
        assertThatThrownBy(() -> SessionImage.fromBytes(new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }
}
