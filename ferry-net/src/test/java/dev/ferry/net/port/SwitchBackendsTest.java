package dev.ferry.net.port;

import static dev.ferry.net.Frames.A;
import static dev.ferry.net.Frames.B;
import static dev.ferry.net.Frames.frame;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.machine.device.net.NetBackend;
import dev.ferry.machine.device.net.NetBackendFactory;
import dev.ferry.machine.device.net.NullNetBackend;
import dev.ferry.net.frame.MacAddress;
import dev.ferry.net.switching.LearningSwitch;
import dev.ferry.net.switching.PortKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SwitchBackendsTest {

    private final LearningSwitch sw = new LearningSwitch();
    private final List<String> fallbackSpecs = new ArrayList<>();
    private final NetBackendFactory factory = SwitchBackends.factory(sw, (spec, mac) -> {
        fallbackSpecs.add(spec);
        return new NullNetBackend();
    });

    private static List<byte[]> attach(NetBackend backend) {
        List<byte[]> got = new ArrayList<>();
        backend.attach((f, off, len) -> got.add(Arrays.copyOfRange(f, off, off + len)));
        return got;
    }

    @Test
    void switchSpecOpensAVmPortThatVmsTalkThrough() throws IOException {
        try (NetBackend a = factory.open("switch", A.toString());
                NetBackend b = factory.open("switch", B.toString())) {
            List<byte[]> atA = attach(a);
            List<byte[]> atB = attach(b);
            byte[] ab = frame(B, A, 90, 1);
            a.send(ab, 0, ab.length);
            byte[] ba = frame(A, B, 70, 2);
            b.send(ba, 0, ba.length);
            assertThat(atB).singleElement().isEqualTo(ab);
            assertThat(atA).singleElement().isEqualTo(ba);
            assertThat(sw.vmPort(A).orElseThrow().kind()).isEqualTo(PortKind.VM);
            assertThat(sw.vmPort(A).orElseThrow().name()).isEqualTo("switch:" + A);
            assertThat(fallbackSpecs).isEmpty();
        }
        assertThat(sw.ports()).as("closing removes the ports").isEmpty();
    }

    @Test
    void aVmPortBackendDropsSpoofedFrames() throws IOException {
        try (NetBackend a = factory.open("switch", A.toString());
                NetBackend b = factory.open("switch", B.toString())) {
            List<byte[]> atB = attach(b);
            byte[] spoofed = frame(MacAddress.BROADCAST, MacAddress.parse("52:54:00:66:66:66"));
            a.send(spoofed, 0, spoofed.length);
            assertThat(atB).isEmpty();
            assertThat(((VmPortBackend) a).port().totals().spoofed()).isEqualTo(1);
        }
    }

    @Test
    void framesForADetachedInterfaceAreCountedAsNoRoute() throws IOException {
        try (NetBackend a = factory.open("switch", A.toString());
                NetBackend b = factory.open("switch", B.toString())) {
            List<byte[]> atB = attach(b);
            b.detach();
            byte[] f = frame(MacAddress.BROADCAST, A);
            a.send(f, 0, f.length);
            assertThat(atB).isEmpty();
            assertThat(((VmPortBackend) b).port().totals().noRoute()).isEqualTo(1);
        }
    }

    @Test
    void otherSpecsGoToTheFallback() throws IOException {
        try (NetBackend n = factory.open("none", A.toString());
                NetBackend t = factory.open("tap:ferry0", A.toString())) {
            assertThat(n).isInstanceOf(NullNetBackend.class);
            assertThat(t).isInstanceOf(NullNetBackend.class);
        }
        assertThat(fallbackSpecs).containsExactly("none", "tap:ferry0");
        assertThat(sw.ports()).isEmpty();
    }

    @Test
    void refusesBadSwitchSpecs() {
        assertThatThrownBy(() -> factory.open("switch", "52:54:00")).isInstanceOf(IOException.class)
                .hasMessageContaining("52:54:00");
        assertThatThrownBy(() -> factory.open("switch", "ff:ff:ff:ff:ff:ff")).isInstanceOf(IOException.class)
                .hasMessageContaining("unicast");
    }
}
