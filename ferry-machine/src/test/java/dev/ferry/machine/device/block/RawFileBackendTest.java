package dev.ferry.machine.device.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RawFileBackendTest {

    @TempDir
    Path dir;

    @Test
    void readsWritesAndFlushesTheFile() throws Exception {
        Path f = Files.write(dir.resolve("d.img"), new byte[4096]);
        try (RawFileBackend b = RawFileBackend.open(f, false)) {
            assertThat(b.size()).isEqualTo(4096);
            assertThat(b.readOnly()).isFalse();
            b.write(1000, new byte[] {1, 2, 3}, 0, 3);
            b.flush();
            byte[] got = new byte[4];
            b.read(999, got, 0, 4);
            assertThat(got).containsExactly(0, 1, 2, 3);
            b.writeZeroes(1000, 2);
            b.read(999, got, 0, 4);
            assertThat(got).containsExactly(0, 0, 0, 3);
        }
        assertThat(Files.readAllBytes(f)[1002]).isEqualTo((byte) 3);
    }

    @Test
    void aReadOnlyDiskRefusesWrites() throws Exception {
        Path f = Files.write(dir.resolve("d.img"), new byte[512]);
        try (RawFileBackend b = RawFileBackend.open(f, true)) {
            assertThat(b.readOnly()).isTrue();
            assertThatThrownBy(() -> b.write(0, new byte[1], 0, 1)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void badImagesGiveOneClearLine() throws Exception {
        Path odd = Files.write(dir.resolve("odd.img"), new byte[1000]);
        assertThatThrownBy(() -> RawFileBackend.open(odd, false)).isInstanceOf(BlockBackendException.class)
                .hasMessage("disk image " + odd + " has 1000 bytes, which is not a multiple of 512");
        assertThatThrownBy(() -> RawFileBackend.open(dir.resolve("missing.img"), false))
                .hasMessageEndingWith("missing.img does not exist");
        assertThatThrownBy(() -> RawFileBackend.open(dir, false)).hasMessageEndingWith("is not a regular file");
        Path unwritable = Path.of("/sys/class/net/lo/address");
        if (Files.isRegularFile(unwritable)) {
            assertThatThrownBy(() -> RawFileBackend.open(unwritable, false))
                    .as("a file nobody may write, root included").isInstanceOf(BlockBackendException.class)
                    .hasMessage("disk image " + unwritable
                            + " cannot be opened for writing (use readonly=on to attach it read-only)");
        }
    }
}
