package dev.ferry.net.frame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MacAddressTest {

    @Test
    void parsesAndFormats() {
        MacAddress m = MacAddress.parse("52:54:00:AB:cd:0f");
        assertThat(m.bits()).isEqualTo(0x525400abcd0fL);
        assertThat(m).hasToString("52:54:00:ab:cd:0f");
        assertThat(MacAddress.parse(m.toString())).isEqualTo(m);
        assertThat(MacAddress.of(m.octets())).isEqualTo(m);
    }

    @Test
    void refusesWhatIsNotAnAddress() {
        for (String bad : new String[] {"", "52:54:00:12:34", "52:54:00:12:34:5g", "52-54-00-12-34-56",
                "52:54:00:12:34:567", "152:54:00:12:34:56"}) {
            assertThatThrownBy(() -> MacAddress.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> new MacAddress(1L << 48)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tellsBroadcastMulticastAndUnicast() {
        assertThat(MacAddress.BROADCAST.isBroadcast()).isTrue();
        assertThat(MacAddress.BROADCAST.isMulticast()).isTrue();
        MacAddress ipv4Multicast = MacAddress.parse("01:00:5e:00:00:01");
        assertThat(ipv4Multicast.isMulticast()).isTrue();
        assertThat(ipv4Multicast.isBroadcast()).isFalse();
        MacAddress vm = MacAddress.parse("52:54:00:12:34:56");
        assertThat(vm.isUnicast()).isTrue();
        assertThat(vm.isLocallyAdministered()).isTrue();
        assertThat(MacAddress.parse("00:16:3e:00:00:01").isLocallyAdministered()).isFalse();
    }

    @Test
    void derivesAStableLocalUnicastAddressFromAName() {
        MacAddress a = MacAddress.derivedFrom("web");
        assertThat(MacAddress.derivedFrom("web")).isEqualTo(a);
        assertThat(a.bits() >>> 24).isEqualTo(0x525400L);
        assertThat(a.isUnicast()).isTrue();
        assertThat(a.isLocallyAdministered()).isTrue();
        assertThat(MacAddress.derivedFrom("web2")).isNotEqualTo(a);
        // sha256sum of "web" starts 4b5e57: pinned so the derivation cannot change unnoticed
        assertThat(a).hasToString("52:54:00:4b:5e:57");
    }
}
