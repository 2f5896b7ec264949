package dev.ferry.net.frame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EthernetFrameTest {

    @Test
    void readsTheHeaderOfASlice() {
        byte[] buf = new byte[4 + 60];
        EthernetFrame.writeHeader(buf, 4, MacAddress.parse("02:00:00:00:00:01"),
                MacAddress.parse("52:54:00:12:34:56"), EthernetFrame.TYPE_IPV4);
        assertThat(EthernetFrame.destination(buf, 4, 60)).isEqualTo(0x020000000001L);
        assertThat(EthernetFrame.source(buf, 4, 60)).isEqualTo(0x525400123456L);
        assertThat(EthernetFrame.etherType(buf, 4, 60)).isEqualTo(0x0800);
    }

    @Test
    void acceptsHeaderToLargestTaggedFrameOnly() {
        assertThat(EthernetFrame.isWellFormed(13)).isFalse();
        assertThat(EthernetFrame.isWellFormed(14)).isTrue();
        assertThat(EthernetFrame.isWellFormed(1518)).isTrue();
        assertThat(EthernetFrame.isWellFormed(1519)).isFalse();
        assertThatThrownBy(() -> EthernetFrame.source(new byte[13], 0, 13))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed");
        assertThatThrownBy(() -> EthernetFrame.destination(new byte[2000], 0, 1519))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EthernetFrame.etherType(new byte[20], 10, 14))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
