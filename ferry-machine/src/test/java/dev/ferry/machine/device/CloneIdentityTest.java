package dev.ferry.machine.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The identity registers as a guest reads them. */
class CloneIdentityTest {

    private static String string(CloneIdentity d, int at, int lengthAt) {
        int n = (int) d.read(lengthAt, 4);
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) d.read(at + i, 1);
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void aFreshMachineIsGenerationOneWithNoIdentity() {
        CloneIdentity d = new CloneIdentity();
        assertThat(d.read(0, 4)).isEqualTo(CloneIdentity.MAGIC);
        assertThat(d.read(0, 1)).isEqualTo('F');
        assertThat(d.read(4, 4)).isEqualTo(CloneIdentity.VERSION);
        assertThat(d.read(8, 4)).isEqualTo(1);
        assertThat(d.read(0x10, 8)).isZero();
        assertThat(d.read(0x20, 4)).isZero();
    }

    @Test
    void assigningMovesTheGenerationAndShowsMacAddressAndName() {
        CloneIdentity d = new CloneIdentity();
        d.assign(new byte[] {0x52, 0x54, 0, 1, 2, 3}, "10.77.0.11:::255.255.255.0::eth0:off", "web-1");
        assertThat(d.read(8, 4)).isEqualTo(2);
        assertThat(d.read(0x10, 8)).isEqualTo(0x0302_0100_5452L);
        assertThat(string(d, 0x40, 0x20)).isEqualTo("10.77.0.11:::255.255.255.0::eth0:off");
        assertThat(string(d, 0x140, 0x24)).isEqualTo("web-1");
        d.write(8, 4, 99);
        assertThat(d.read(8, 4)).as("read-only").isEqualTo(2);

        CloneIdentity restored = new CloneIdentity();
        restored.restoreState(d.saveState());
        assertThat(restored.read(0x10, 8)).isEqualTo(0x0302_0100_5452L);
        assertThat(string(restored, 0x140, 0x24)).isEqualTo("web-1");
        assertThat(restored.read(8, 4)).isEqualTo(2);
    }

    @Test
    void anIdentityThatDoesNotFitIsRefused() {
        CloneIdentity d = new CloneIdentity();
        assertThatThrownBy(() -> d.assign(new byte[5], "", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.assign(new byte[6], "", "n".repeat(65)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(d.read(8, 4)).as("unchanged").isEqualTo(1);
    }
}
