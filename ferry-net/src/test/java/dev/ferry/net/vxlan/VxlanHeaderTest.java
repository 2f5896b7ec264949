package dev.ferry.net.vxlan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class VxlanHeaderTest {

    @Test
    void roundTripsTheNetworkIdentifier() {
        for (int vni : new int[] {0, 1, 42, 0x123456, VxlanHeader.MAX_VNI}) {
            byte[] b = new byte[12];
            VxlanHeader.write(b, 2, vni);
            assertThat(VxlanHeader.vni(b, 2, 10)).isEqualTo(vni);
        }
    }

    @Test
    void writesTheRfcLayout() {
        byte[] p = VxlanHeader.encapsulate(0x0a0b0c, new byte[] {9, 8, 7, 6}, 1, 2);
        assertThat(p).containsExactly(0x08, 0, 0, 0, 0x0a, 0x0b, 0x0c, 0, 8, 7);
    }

    @Test
    void refusesShortPacketsOtherFlagsAndReservedBits() {
        byte[] ok = VxlanHeader.encapsulate(42, new byte[0], 0, 0);
        assertThat(VxlanHeader.vni(ok, 0, 8)).isEqualTo(42);
        assertThat(VxlanHeader.vni(ok, 0, 7)).isEqualTo(VxlanHeader.INVALID);
        for (int i = 0; i < 8; i++) {
            if (i >= 4 && i <= 6) {
                continue;
            }
            for (int bit = 0; bit < 8; bit++) {
                byte[] bad = ok.clone();
                bad[i] ^= (byte) (1 << bit);
                assertThat(VxlanHeader.vni(bad, 0, 8)).as("byte %d bit %d", i, bit).isEqualTo(VxlanHeader.INVALID);
            }
        }
    }

    @Test
    void refusesIdentifiersOutsideTwentyFourBits() {
        assertThatThrownBy(() -> VxlanHeader.write(new byte[8], 0, 1 << 24))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VxlanHeader.checkVni(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parsesPeerAddresses() {
        assertThat(VxlanPeer.parse("127.0.0.1:4802")).isEqualTo(new InetSocketAddress("127.0.0.1", 4802));
        assertThat(VxlanPeer.parse("127.0.0.1")).isEqualTo(new InetSocketAddress("127.0.0.1", 4789));
        assertThat(VxlanPeer.parse("[::1]:4802")).isEqualTo(new InetSocketAddress("::1", 4802));
        assertThat(VxlanPeer.parse("::1")).isEqualTo(new InetSocketAddress("::1", 4789));
        assertThatThrownBy(() -> VxlanPeer.parse("127.0.0.1:x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VxlanPeer.parse("127.0.0.1:70000")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VxlanPeer.parse(":4802")).isInstanceOf(IllegalArgumentException.class);
    }
}
