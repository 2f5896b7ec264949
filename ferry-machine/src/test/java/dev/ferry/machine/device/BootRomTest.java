package dev.ferry.machine.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The boot ROM reads its contents at any width, ignores writes and saves what it holds. */
class BootRomTest {

    @Test
    void readsLittleEndianAtEveryWidthAndZeroPastItsContents() {
        BootRom rom = new BootRom();
        rom.load(new byte[] {0x4f, 0x53, 0x42, 0x49, 0, 0, 0, 0, 2});
        assertThat(rom.read(0, 8)).isEqualTo(0x4942534fL);
        assertThat(rom.read(0, 4)).isEqualTo(0x4942534fL);
        assertThat(rom.read(1, 2)).isEqualTo(0x4253);
        assertThat(rom.read(8, 8)).isEqualTo(2);
        assertThat(rom.read(0xef00, 8)).isZero();
    }

    @Test
    void writesHaveNoEffect() {
        BootRom rom = new BootRom();
        rom.load(new byte[] {1, 2, 3, 4});
        rom.write(0, 4, 0xdeadbeefL);
        assertThat(rom.read(0, 4)).isEqualTo(0x04030201L);
    }

    @Test
    void stateRoundTripsAndOversizedContentsAreRefused() {
        BootRom rom = new BootRom();
        rom.load(new byte[] {9, 8, 7});
        BootRom other = new BootRom();
        BootRomState s = rom.saveState();
        other.validateState(s);
        other.restoreState(s);
        assertThat(other.read(0, 4)).isEqualTo(0x070809);
        assertThatThrownBy(() -> other.validateState(new BootRomState(new byte[(int) BootRom.SIZE + 1])))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
