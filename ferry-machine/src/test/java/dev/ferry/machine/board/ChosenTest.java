package dev.ferry.machine.board;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code /chosen} as QEMU 7.2 writes it for a kernel boot, and as bare-metal images always had it. */
class ChosenTest {

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aKernelBootDescribesTheInitrdInSingleCellsAndOmitsAnEmptyCommandLine() {
        byte[] blob = VirtDeviceTree.build(256L << 20, new Chosen(null, 0x8820_0000L, 0x8820_1770L, new byte[32]));
        assertThat(contains(blob, ascii("linux,initrd-start"))).isTrue();
        assertThat(contains(blob, new byte[] {(byte) 0x88, 0x20, 0x17, 0x70})).isTrue();
        assertThat(contains(blob, ascii("rng-seed"))).isTrue();
        assertThat(contains(blob, ascii("bootargs"))).isFalse();
    }

    @Test
    void aBareMetalTreeIsUnchanged() {
        byte[] blob = VirtDeviceTree.build(128L << 20, "a=1");
        assertThat(blob).isEqualTo(VirtDeviceTree.build(128L << 20, Chosen.bootArgsOnly("a=1")));
        assertThat(contains(blob, ascii("a=1\0"))).isTrue();
        assertThat(contains(blob, ascii("initrd"))).isFalse();
        assertThat(contains(VirtDeviceTree.build(128L << 20, ""), ascii("bootargs"))).isTrue();
    }

    @Test
    void anInitrdAbove4GiBCannotBeDescribed() {
        assertThatThrownBy(() -> new Chosen("", 0xffff_f000L, 0x1_0000_1000L, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
