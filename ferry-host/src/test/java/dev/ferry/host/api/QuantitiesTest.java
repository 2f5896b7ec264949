package dev.ferry.host.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class QuantitiesTest {

    @Test
    void sizesArePowersOf1024() {
        assertThat(Quantities.parseBytes("65536")).isEqualTo(65536);
        assertThat(Quantities.parseBytes("256M")).isEqualTo(256L << 20);
        assertThat(Quantities.parseBytes("1GiB")).isEqualTo(1L << 30);
        assertThat(Quantities.parseBytes("64kb")).isEqualTo(64L << 10);
        assertThatThrownBy(() -> Quantities.parseBytes("lots")).hasMessageContaining("'lots' is not a size");
        assertThatThrownBy(() -> Quantities.parseBytes("-1M")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ratesAreBitsPerSecondInPowersOf1000() {
        assertThat(Quantities.parseBitsPerSecond("1G")).isEqualTo(1_000_000_000L);
        assertThat(Quantities.parseBitsPerSecond("500M")).isEqualTo(500_000_000L);
        assertThat(Quantities.parseBitsPerSecond("1.5Gbit/s")).isEqualTo(1_500_000_000L);
        assertThat(Quantities.parseBitsPerSecond("100 Mbps")).isEqualTo(100_000_000L);
        assertThat(Quantities.parseBitsPerSecond("0")).isZero();
        assertThatThrownBy(() -> Quantities.parseBitsPerSecond("fast")).hasMessageContaining("not a rate");
        assertThatThrownBy(() -> Quantities.parseBitsPerSecond("NaN")).hasMessageContaining("not a rate");
        assertThatThrownBy(() -> Quantities.parseBitsPerSecond("-5M")).hasMessageContaining("not a rate");
    }

    @Test
    void addressesAreHostColonPort() {
        assertThat(HostAddress.format(HostAddress.parse("127.0.0.1:7101"))).isEqualTo("127.0.0.1:7101");
        assertThat(HostAddress.format(HostAddress.parse("[::1]:7101"))).isEqualTo("[0:0:0:0:0:0:0:1]:7101");
        assertThat(HostAddress.parse("localhost:80").getPort()).isEqualTo(80);
        assertThatThrownBy(() -> HostAddress.parse("7101")).hasMessageContaining("want HOST:PORT");
        assertThatThrownBy(() -> HostAddress.parse("127.0.0.1:99999")).hasMessageContaining("port");
        assertThatThrownBy(() -> HostAddress.parse("127.0.0.1:")).hasMessageContaining("want HOST:PORT");
    }
}
