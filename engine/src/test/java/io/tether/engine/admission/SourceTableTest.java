package io.tether.engine.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

/** The per-address table on a fake clock: limits per address and per prefix, the connect bucket, bounds. */
class SourceTableTest {
    private static final long S = 1_000_000_000L;
    private final SourceTable table = new SourceTable();

    private static AdmissionSettings settings(Object... pairs) {
        return TestSettings.of(pairs);
    }

    private static InetAddress ip(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal);
    }

    /** Checks and admits one connection; returns why it was refused, or null. */
    private Refusal connect(String address, long now, AdmissionSettings s) throws UnknownHostException {
        final SourceTable.Source source = table.track(ip(address), now, s);
        final Refusal refusal = table.check(source, now, s);
        if (refusal == null) {
            table.admit(source);
        }
        return refusal;
    }

    @Test
    void shouldLimitOpenConnectionsPerAddressAndFreeThemOnRelease() throws Exception {
        final AdmissionSettings s = settings("max-ip-connections", "3", "ip-connect-rate", "0");
        for (int i = 0; i < 3; i++) {
            assertThat(connect("10.0.0.1", 0, s)).isNull();
        }
        assertThat(connect("10.0.0.1", 0, s)).isEqualTo(Refusal.IP_CONNECTIONS);
        assertThat(connect("10.0.0.2", 0, s)).as("another address").isNull();
        table.track(ip("10.0.0.1"), 0, s).release();
        assertThat(connect("10.0.0.1", 0, s)).isNull();
    }

    @Test
    void shouldLimitThePrefixAcrossItsAddresses() throws Exception {
        final AdmissionSettings s = settings("max-ip-connections", "2", "max-prefix-connections", "3",
            "ip-connect-rate", "0");
        assertThat(connect("10.0.0.1", 0, s)).isNull();
        assertThat(connect("10.0.0.2", 0, s)).isNull();
        assertThat(connect("10.0.0.3", 0, s)).isNull();
        assertThat(connect("10.0.0.4", 0, s)).isEqualTo(Refusal.PREFIX_CONNECTIONS);
        assertThat(connect("10.0.1.4", 0, s)).as("another /24").isNull();
        assertThat(table.prefixOpen(ip("10.0.0.9"))).isZero(); // not tracked
        assertThat(table.prefixOpen(ip("10.0.0.1"))).isEqualTo(3);
    }

    @Test
    void shouldGroupIpv6ByItsPrefixLength() throws Exception {
        final AdmissionSettings s = settings("max-ip-connections", "1", "max-prefix-connections", "2",
            "ip-connect-rate", "0", "ipv6-prefix", "64");
        assertThat(connect("2001:db8:0:1::1", 0, s)).isNull();
        assertThat(connect("2001:db8:0:1::2", 0, s)).isNull();
        assertThat(connect("2001:db8:0:1:ffff::3", 0, s)).isEqualTo(Refusal.PREFIX_CONNECTIONS);
        assertThat(connect("2001:db8:0:2::1", 0, s)).isNull();
    }

    @Test
    void shouldRateLimitNewConnectionsPerAddress() throws Exception {
        final AdmissionSettings s = settings("ip-connect-rate", "2", "ip-connect-burst", "4");
        int admitted = 0;
        for (int i = 0; i < 10; i++) {
            if (connect("10.0.0.1", 0, s) == null) {
                admitted++;
            }
        }
        assertThat(admitted).isEqualTo(4);
        assertThat(connect("10.0.0.1", S / 2 - 1, s)).isEqualTo(Refusal.IP_RATE);
        assertThat(connect("10.0.0.1", S / 2, s)).isNull();
        assertThat(connect("10.0.0.2", 0, s)).isNull();
    }

    @Test
    void shouldBanAFlappingAddressForTheBanTime() throws Exception {
        final AdmissionSettings s = settings("ip-flap-threshold", "5", "flap-window", "10s", "flap-ban", "30s",
            "ip-connect-rate", "0");
        for (int i = 0; i < 5; i++) {
            assertThat(connect("10.0.0.1", i * S, s)).isNull();
        }
        assertThat(connect("10.0.0.1", 5 * S, s)).isEqualTo(Refusal.FLAPPING);
        assertThat(connect("10.0.0.1", 34 * S, s)).as("still banned").isEqualTo(Refusal.FLAPPING);
        assertThat(connect("10.0.0.1", 36 * S, s)).as("ban over, window slid past").isNull();
    }

    @Test
    void shouldForgetIdleAddressesAndStayWithinItsSize() throws Exception {
        final AdmissionSettings s = settings("admission-table-size", "16", "ip-connect-rate", "10",
            "ip-connect-burst", "10", "flap-window", "1s");
        for (int i = 0; i < 16; i++) {
            assertThat(connect("10.0." + i + ".1", 0, s)).isNull();
        }
        assertThat(table.size()).isEqualTo(16);
        assertThat(table.track(ip("10.1.0.1"), S, s)).as("full, and every address has a connection").isNull();
        for (int i = 0; i < 16; i++) {
            table.track(ip("10.0." + i + ".1"), S, s).release();
        }
        // Idle for two windows, buckets full again: forgotten as new addresses come.
        for (int i = 0; i < 16; i++) {
            assertThat(table.track(ip("10.2." + i + ".1"), 3 * S, s)).as("new address %d", i).isNotNull();
        }
        assertThat(table.size()).isEqualTo(16);
        assertThat(table.track(ip("10.3.0.1"), 3 * S, s)).as("the new ones were just seen").isNull();
        assertThat(table.prefixCount()).isLessThanOrEqualTo(table.size());
    }
}
