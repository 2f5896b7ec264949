package dev.ferry.host.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class VmAddressTest {

    @Test
    void givesTheKernelParameterAndFindsItAgainInACommandLine() {
        VmAddress a = VmAddress.parse("10.77.0.10/24");
        assertThat(a.kernelParameter()).isEqualTo("ip=10.77.0.10:::255.255.255.0::eth0:off");
        assertThat(VmAddress.fromKernelCommandLine("console=ttyS0 " + a.kernelParameter() + " ferry.run=web"))
                .contains(a);
        assertThat(VmAddress.parse("172.16.5.1/12").kernelParameter()).contains(":255.240.0.0:");
    }

    @Test
    void aCommandLineWithoutAnAddressOrWithDhcpHasNone() {
        assertThat(VmAddress.fromKernelCommandLine("console=ttyS0")).isEmpty();
        assertThat(VmAddress.fromKernelCommandLine("ip=dhcp")).isEmpty();
        assertThat(VmAddress.fromKernelCommandLine("vip=10.0.0.1")).isEmpty();
        assertThat(VmAddress.fromKernelCommandLine("ip=10.0.0.9").orElseThrow().prefix()).isEqualTo(32);
    }

    @Test
    void refusesWhatIsNotAUsableUnicastAddress() {
        for (String bad : new String[] {"10.77.0.10", "10.77.0.300/24", "10.77.0.0/24", "10.77.0.255/24",
                "127.0.0.5/8", "224.0.0.1/24", "10.0.0.1/31", "a.b.c.d/8"}) {
            assertThatThrownBy(() -> VmAddress.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
