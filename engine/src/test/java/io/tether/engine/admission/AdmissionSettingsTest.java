package io.tether.engine.admission;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Admission settings that cannot work are refused, each problem naming its setting. */
class AdmissionSettingsTest {
    @Test
    void shouldAcceptTheDefaults() {
        assertThat(TestSettings.of().problems()).isEmpty();
    }

    @Test
    void shouldRefuseABurstBelowItsRate() {
        assertThat(TestSettings.of("accept-rate", "100", "accept-burst", "50").problems())
            .containsExactly("accept-burst (50) must not be below accept-rate (100)");
        assertThat(TestSettings.of("ip-connect-rate", "10", "ip-connect-burst", "9").problems())
            .singleElement().asString().startsWith("ip-connect-burst");
    }

    @Test
    void shouldRefuseANegativeOrZeroWindowAndNegativeLimits() {
        assertThat(TestSettings.of("flap-window", "-1s").problems()).singleElement().asString()
            .startsWith("flap-window");
        assertThat(TestSettings.of("flap-ban", "0s").problems()).singleElement().asString().startsWith("flap-ban");
        assertThat(TestSettings.of("max-ip-connections", "-1").problems()).singleElement().asString()
            .startsWith("max-ip-connections");
        assertThat(TestSettings.of("accept-queue-wait", "0s").problems()).singleElement().asString()
            .startsWith("accept-queue-wait");
    }

    @Test
    void shouldRefuseAPrefixLimitBelowTheAddressLimitAndBadBlocks() {
        assertThat(TestSettings.of("max-ip-connections", "10", "max-prefix-connections", "5").problems())
            .singleElement().asString().startsWith("max-prefix-connections");
        assertThat(TestSettings.of("banned-addresses", "10.0.0.0/40").problems()).singleElement().asString()
            .startsWith("banned-addresses");
        assertThat(TestSettings.of("ipv4-prefix", "4").problems()).singleElement().asString()
            .startsWith("ipv4-prefix");
    }
}
