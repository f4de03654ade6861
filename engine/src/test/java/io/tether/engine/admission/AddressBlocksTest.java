package io.tether.engine.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class AddressBlocksTest {
    @Test
    void shouldMatchAddressesInsideTheirBlocks() throws Exception {
        final AddressBlocks blocks = AddressBlocks.parse(List.of("10.1.0.0/16, 192.0.2.7", "2001:db8::/33"));
        assertThat(blocks.contains(InetAddress.getByName("10.1.255.3"))).isTrue();
        assertThat(blocks.contains(InetAddress.getByName("10.2.0.1"))).isFalse();
        assertThat(blocks.contains(InetAddress.getByName("192.0.2.7"))).isTrue();
        assertThat(blocks.contains(InetAddress.getByName("192.0.2.8"))).isFalse();
        assertThat(blocks.contains(InetAddress.getByName("2001:db8:7fff::1"))).isTrue();
        assertThat(blocks.contains(InetAddress.getByName("2001:db8:8000::1"))).isFalse();
    }

    @Test
    void shouldRefuseNamesAndBadPrefixes() {
        assertThatThrownBy(() -> AddressBlocks.parse(List.of("example.com"))).hasMessageContaining("example.com");
        assertThatThrownBy(() -> AddressBlocks.parse(List.of("10.0.0.0/33"))).hasMessageContaining("0 to 32");
        assertThatThrownBy(() -> AddressBlocks.parse(List.of("10.0.0.0/x"))).hasMessageContaining("prefix");
    }
}
