package dev.ferry.machine.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class VirtioMmioSlotTest {

    private final VirtioMmioSlot slot = new VirtioMmioSlot();

    @Test
    void identifiesAsAnEmptyLegacyTransport() {
        assertThat(slot.read(0x000, 4)).isEqualTo(0x7472_6976L);
        assertThat(slot.read(0x004, 4)).isEqualTo(1);
        assertThat(slot.read(0x008, 4)).isZero();
        assertThat(slot.read(0x00c, 4)).isEqualTo(0x554d_4551L);
        for (int offset : new int[] {0x010, 0x034, 0x070, 0x100, 0x1fc}) {
            assertThat(slot.read(offset, 4)).as("offset 0x%x", offset).isZero();
        }
    }

    @Test
    void writesAreIgnored() {
        slot.write(0x070, 4, 0xf);
        slot.write(0x000, 4, 0);
        assertThat(slot.read(0x070, 4)).isZero();
        assertThat(slot.read(0x000, 4)).isEqualTo(0x7472_6976L);
    }

    @Test
    void narrowAndWideReadsBehaveAsOnQemu() {
        assertThat(slot.read(0x000, 1)).isEqualTo(0x76);
        assertThat(slot.read(0x000, 2)).isEqualTo(0x6976);
        assertThat(slot.read(0x001, 1)).isZero();
        assertThat(slot.read(0x002, 2)).isZero();
        assertThat(slot.read(0x004, 1)).isEqualTo(1);
        assertThat(slot.read(0x000, 8)).isEqualTo(0x1_7472_6976L);
        assertThat(slot.read(0x008, 8)).isEqualTo(0x554d_4551_0000_0000L);
    }

    @Test
    void onlyTheFirst512BytesDecode() {
        assertThat(slot.accepts(0x1fc, 4)).isTrue();
        assertThat(slot.accepts(0x1f8, 8)).isTrue();
        assertThat(slot.accepts(0x200, 4)).isFalse();
        assertThat(slot.accepts(0xff8, 4)).isFalse();
        assertThat(slot.size()).isEqualTo(0x1000);
    }

    @Test
    void slotAddresses() {
        assertThat(VirtioMmioSlot.base(0)).isEqualTo(0x1000_1000L);
        assertThat(VirtioMmioSlot.base(7)).isEqualTo(0x1000_8000L);
        assertThatThrownBy(() -> VirtioMmioSlot.base(8)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
