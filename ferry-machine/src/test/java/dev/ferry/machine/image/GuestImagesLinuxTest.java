package dev.ferry.machine.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in Linux guest is listed once both its kernel and its initramfs are built. */
class GuestImagesLinuxTest {

    @TempDir
    Path dir;

    @Test
    void linuxIsListedOnlyWithKernelAndInitramfs() throws Exception {
        Files.write(dir.resolve("hello.elf"), new byte[1]);
        GuestImages images = new GuestImages(dir);
        assertThat(images.names()).containsExactly("hello");
        Files.createDirectories(dir.resolve("linux"));
        Files.write(dir.resolve("linux/Image"), new byte[1]);
        assertThat(images.linux()).isEmpty();
        assertThat(images.names()).containsExactly("hello");
        Files.write(dir.resolve("linux/initramfs.cpio.gz"), new byte[1]);
        assertThat(images.names()).containsExactly("hello", "linux");
        assertThat(images.linux()).hasValueSatisfying(g -> {
            assertThat(g.kernel()).isEqualTo(dir.resolve("linux/Image"));
            assertThat(g.initrd()).isEqualTo(dir.resolve("linux/initramfs.cpio.gz"));
        });
    }

    @Test
    void aConfinedFileMustLieInTheDirectory() throws Exception {
        Files.write(dir.resolve("disk.img"), new byte[512]);
        GuestImages images = new GuestImages(dir);
        assertThat(images.confinedFile("disk.img", "drive")).isEqualTo(dir.toRealPath().resolve("disk.img"));
        for (String outside : new String[] {"/etc/passwd", "../x", "missing.img", "."}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> images.confinedFile(outside, "drive"))
                    .hasMessage("drive '" + outside + "' is not a file in this host's image directory");
        }
    }
}
