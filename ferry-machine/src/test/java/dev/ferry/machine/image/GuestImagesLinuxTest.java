package dev.ferry.machine.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in Linux guest and its web image are listed once both its kernel and its initramfs are built. */
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
        assertThat(images.names()).containsExactly("hello", "linux", "web");
        assertThat(images.linux()).hasValueSatisfying(g -> {
            assertThat(g.kernel()).isEqualTo(dir.resolve("linux/Image"));
            assertThat(g.initrd()).isEqualTo(dir.resolve("linux/initramfs.cpio.gz"));
        });
    }

    @Test
    void theWebImageIsTheLinuxGuestWithItsServicesLast() {
        assertThat(GuestImages.bootsLinux("linux")).isTrue();
        assertThat(GuestImages.bootsLinux("web")).isTrue();
        assertThat(GuestImages.bootsLinux("hello")).isFalse();
        assertThat(GuestImages.commandLine("linux", " console=ttyS0 ")).isEqualTo("console=ttyS0");
        assertThat(GuestImages.commandLine("web", "console=ttyS0 ferry.run=counter ip=10.0.2.15:::::eth0:off"))
                .isEqualTo("console=ttyS0 ferry.run=counter ip=10.0.2.15:::::eth0:off ferry.run=web");
        assertThat(GuestImages.commandLine("web", "")).isEqualTo("ferry.run=web");
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
