package dev.ferry.machine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kernels, firmware and initrds are recognised, or refused with one line, before anything is loaded. */
class KernelFileTest {

    @TempDir
    Path dir;

    private static byte[] imageHeader(boolean magic1, boolean magic2) {
        ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x6f).putInt(0).putLong(0x200000).putLong(0x1234000).putLong(0).putInt(0x2).putInt(0).putLong(0)
                .putLong(magic1 ? KernelFile.MAGIC : 0).putInt(magic2 ? KernelFile.MAGIC2 : 0).putInt(0);
        return b.array();
    }

    @Test
    void anImageIsKnownByEitherMagicAndItsHeaderIsRead() throws Exception {
        for (boolean[] m : new boolean[][] {{true, true}, {true, false}, {false, true}}) {
            Path p = Files.write(dir.resolve("Image" + m[0] + m[1]), imageHeader(m[0], m[1]));
            KernelFile k = KernelFile.read(p, 64L << 20);
            assertThat(k).isInstanceOf(KernelFile.Image.class);
            KernelFile.Image image = (KernelFile.Image) k;
            assertThat(image.imageSize()).isEqualTo(0x1234000);
            assertThat(image.version()).isEqualTo(2);
            assertThat(image.file().size()).isEqualTo(128);
        }
    }

    @Test
    void aFileThatIsNeitherImageNorElfIsRefused() throws Exception {
        Path p = Files.write(dir.resolve("vmlinux.txt"), imageHeader(false, false));
        assertThatThrownBy(() -> KernelFile.read(p, 64L << 20)).isInstanceOf(ImageFormatException.class)
                .hasMessage("kernel " + p + ": not a RISC-V kernel (neither a Linux Image, whose header holds the "
                        + "magic \"RISCV\"/\"RSC\\x05\", nor an ELF file)");
        Path tiny = Files.write(dir.resolve("tiny"), new byte[] {1, 2, 3});
        assertThatThrownBy(() -> KernelFile.read(tiny, 64L << 20)).hasMessageContaining("not a RISC-V kernel");
    }

    @Test
    void anElfKernelIsValidatedAsAnElf() throws Exception {
        Path p = Files.write(dir.resolve("x86.elf"), new byte[] {0x7f, 'E', 'L', 'F', 1, 1, 1, 0});
        assertThatThrownBy(() -> KernelFile.read(p, 64L << 20)).isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("ELF");
    }

    @Test
    void missingEmptyUnreadableAndTooLargeFilesGetOneLineEach() throws Exception {
        Path missing = dir.resolve("nope");
        assertThatThrownBy(() -> KernelFile.read(missing, 64L << 20)).hasMessage("kernel " + missing + ": no such file");
        assertThatThrownBy(() -> RawFile.open(missing, "initrd")).hasMessage("initrd " + missing + ": no such file");
        Path empty = Files.write(dir.resolve("empty"), new byte[0]);
        assertThatThrownBy(() -> RawFile.open(empty, "initrd")).hasMessage("initrd " + empty + ": the file is empty");
        assertThatThrownBy(() -> RawFile.open(dir, "initrd")).isInstanceOf(ImageFormatException.class);
        Path big = Files.write(dir.resolve("big"), new byte[3 << 20]);
        assertThatThrownBy(() -> KernelFile.read(big, 2L << 20))
                .hasMessage("kernel " + big + ": the file is 3 MiB, more than the 2 MiB of RAM");
        if (!"root".equals(System.getProperty("user.name"))) {
            Path secret = Files.write(dir.resolve("secret"), new byte[8]);
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
            assertThatThrownBy(() -> RawFile.open(secret, "initrd")).hasMessage("initrd " + secret
                    + ": permission denied");
        }
    }

    @Test
    void firmwareIsNoneDefaultOrAFile() throws Exception {
        assertThat(Firmware.of("none", 64L << 20)).isInstanceOf(Firmware.None.class);
        Path raw = Files.write(dir.resolve("fw.bin"), new byte[] {0x13, 0, 0, 0});
        assertThat(Firmware.of(raw.toString(), 64L << 20)).isInstanceOf(Firmware.Raw.class);
        Path missing = dir.resolve("fw-missing.bin");
        assertThatThrownBy(() -> Firmware.of(missing.toString(), 64L << 20))
                .hasMessage("firmware " + missing + ": no such file");
        if (Files.isRegularFile(Firmware.DEFAULT_PATH)) {
            assertThat(Firmware.of("default", 64L << 20)).isInstanceOf(Firmware.Raw.class);
        }
    }
}
