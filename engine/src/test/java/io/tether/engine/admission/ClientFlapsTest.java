package io.tether.engine.admission;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClientFlapsTest {
    private static final long S = 1_000_000_000L;

    @Test
    void shouldBanAClientIdPastTheThresholdWithinTheWindow() {
        final AdmissionSettings s = TestSettings.of("client-flap-threshold", "3", "flap-window", "10s",
            "flap-ban", "20s");
        final ClientFlaps flaps = new ClientFlaps();
        for (int i = 0; i < 3; i++) {
            assertThat(flaps.hello("device-7", i * S, s)).isZero();
        }
        assertThat(flaps.hello("device-7", 3 * S, s)).isEqualTo(20 * S);
        assertThat(flaps.hello("device-7", 13 * S, s)).as("the rest of the ban").isEqualTo(10 * S);
        assertThat(flaps.hello("device-8", 13 * S, s)).as("another id").isZero();
        assertThat(flaps.hello("device-7", 23 * S, s)).as("after the ban, the window has slid").isZero();
    }

    @Test
    void shouldNotBanHellosSpreadWiderThanTheWindow() {
        final AdmissionSettings s = TestSettings.of("client-flap-threshold", "3", "flap-window", "10s");
        final ClientFlaps flaps = new ClientFlaps();
        for (int i = 0; i < 30; i++) {
            assertThat(flaps.hello("calm", i * 4 * S, s)).as("hello %d", i).isZero();
        }
    }

    @Test
    void shouldKeepAtMostTheTableSize() {
        final AdmissionSettings s = TestSettings.of("admission-table-size", "16");
        final ClientFlaps flaps = new ClientFlaps();
        for (int i = 0; i < 1000; i++) {
            flaps.hello("client-" + i, 0, s);
        }
        assertThat(flaps.size()).isLessThanOrEqualTo(16);
    }
}
