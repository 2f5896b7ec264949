package dev.ferry.machine.board;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Disk and NIC specifications are read as QEMU spells them, and bad ones refused with one line. */
class DeviceSpecsTest {

    @TempDir
    Path dir;

    @Test
    void aDriveSpecGivesFileFormatAndReadOnly() {
        assertThat(DeviceSpecs.parseDrive("file=disk.img,format=raw"))
                .isEqualTo(new DriveConfig(Path.of("disk.img"), "raw", false));
        assertThat(DeviceSpecs.parseDrive("file=/a,,b.img,readonly=on"))
                .isEqualTo(new DriveConfig(Path.of("/a,b.img"), "raw", true));
        DriveConfig nbd = DeviceSpecs.parseDrive("nbd://127.0.0.1:10809/shared,readonly=on");
        assertThat(nbd).isEqualTo(new DriveConfig("nbd://127.0.0.1:10809/shared", DriveConfig.NBD, true));
        assertThat(nbd.isFile()).isFalse();
        assertThatThrownBy(nbd::file).isInstanceOf(IllegalStateException.class);
        DeviceSpecs.checkDrive(nbd);
        assertThatThrownBy(() -> DeviceSpecs.parseDrive("nbd://h/e,cache=none")).hasMessageContaining("cache");
    }

    @Test
    void malformedDriveSpecsAreRefused() {
        assertThatThrownBy(() -> DeviceSpecs.parseDrive("disk.img")).hasMessage(
                "--drive 'disk.img': 'disk.img' is not KEY=VALUE");
        assertThatThrownBy(() -> DeviceSpecs.parseDrive("format=raw")).hasMessage(
                "--drive 'format=raw': give the disk image as file=PATH");
        assertThatThrownBy(() -> DeviceSpecs.parseDrive("file=a,format=vmdk")).hasMessage(
                "--drive 'file=a,format=vmdk': format 'vmdk' is not supported (raw and qcow2 are)");
        assertThatThrownBy(() -> DeviceSpecs.parseDrive("file=a,cache=none")).hasMessage(
                "--drive 'file=a,cache=none': unknown key 'cache' (known: file, format, readonly)");
        assertThatThrownBy(() -> DeviceSpecs.parseDrive("file=a,readonly=maybe")).hasMessage(
                "--drive 'file=a,readonly=maybe': readonly=maybe (on or off expected)");
        assertThatThrownBy(() -> DeviceSpecs.parseDrive("file=a,file=b")).hasMessage(
                "--drive 'file=a,file=b': file given twice");
    }

    @Test
    void aDriveFileMustExistHoldWholeSectorsAndBeWritableUnlessReadOnly() throws Exception {
        Path missing = dir.resolve("missing.img");
        assertThatThrownBy(() -> DeviceSpecs.checkDrive(new DriveConfig(missing, "raw", false)))
                .hasMessage("drive " + missing + ": no such file");
        Path odd = Files.write(dir.resolve("odd.img"), new byte[1000]);
        assertThatThrownBy(() -> DeviceSpecs.checkDrive(new DriveConfig(odd, "raw", false)))
                .hasMessage("drive " + odd + ": 1000 bytes is not a multiple of 512 (a raw disk image holds whole "
                        + "sectors)");
        Path good = Files.write(dir.resolve("good.img"), new byte[1024]);
        DeviceSpecs.checkDrive(new DriveConfig(good, "raw", false));
        assertThatThrownBy(() -> DeviceSpecs.checkDrive(new DriveConfig(dir, "raw", false)))
                .hasMessage("drive " + dir + ": not a regular file");
        Files.setPosixFilePermissions(good, PosixFilePermissions.fromString("r--r--r--"));
        assertThatThrownBy(() -> DeviceSpecs.checkDrive(new DriveConfig(good, "raw", false)))
                .hasMessage("drive " + good + ": the file is read-only; attach it with readonly=on");
        DeviceSpecs.checkDrive(new DriveConfig(good, "raw", true));
    }

    @Test
    void aQcow2DriveIsCheckedByItsMagicNotBySectors() throws Exception {
        assertThat(DeviceSpecs.parseDrive("file=disk.qcow2,format=qcow2").format()).isEqualTo("qcow2");
        Path image = Files.write(dir.resolve("disk.qcow2"), new byte[] {'Q', 'F', 'I', (byte) 0xfb, 0, 0, 0, 3, 9});
        DeviceSpecs.checkDrive(new DriveConfig(image, "qcow2", false));
        Path raw = Files.write(dir.resolve("raw.img"), new byte[1024]);
        assertThatThrownBy(() -> DeviceSpecs.checkDrive(new DriveConfig(raw, "qcow2", false)))
                .hasMessage("drive " + raw + ": not a qcow2 image (no QFI\\xfb magic)");
    }

    @Test
    void aNicSpecGivesBackEndAndMacWithQemusDefaults() {
        assertThat(DeviceSpecs.parseNic("tap:tap0", 0)).isEqualTo(new NicConfig("52:54:00:12:34:56", "tap:tap0"));
        assertThat(DeviceSpecs.parseNic("tap:tap1", 1)).isEqualTo(new NicConfig("52:54:00:12:34:57", "tap:tap1"));
        assertThat(DeviceSpecs.parseNic("none,mac=52:54:00:AB:CD:EF", 0))
                .isEqualTo(new NicConfig("52:54:00:ab:cd:ef", "none"));
    }

    @Test
    void badNicSpecsAndMacsAreRefused() {
        assertThatThrownBy(() -> DeviceSpecs.parseNic("user", 0)).hasMessage(
                "--nic 'user': the back end must be tap:NAME, switch or none");
        assertThat(DeviceSpecs.parseNic("switch,mac=52:54:00:AA:00:01", 0))
                .isEqualTo(new NicConfig("52:54:00:aa:00:01", NicConfig.SWITCH));
        assertThatThrownBy(() -> DeviceSpecs.parseNic("tap:", 0)).hasMessageContaining("is not a TAP device name");
        assertThatThrownBy(() -> DeviceSpecs.parseNic("tap:t0,mac=01:00:5e:00:00:01", 0)).hasMessage(
                "--nic 'tap:t0,mac=01:00:5e:00:00:01': MAC 01:00:5e:00:00:01 is a multicast address; a NIC needs a "
                        + "unicast one (first byte even)");
        assertThatThrownBy(() -> DeviceSpecs.parseNic("tap:t0,mac=52:54:00:12:34", 0)).hasMessage(
                "--nic 'tap:t0,mac=52:54:00:12:34': '52:54:00:12:34' is not a MAC address (six hex bytes such as "
                        + "52:54:00:12:34:56)");
        assertThatThrownBy(() -> DeviceSpecs.parseNic("tap:t0,mac=00:00:00:00:00:00", 0)).hasMessageContaining(
                "all zeros");
        assertThatThrownBy(() -> DeviceSpecs.parseNic("tap:t0,speed=10", 0)).hasMessageContaining("unknown key");
    }
}
