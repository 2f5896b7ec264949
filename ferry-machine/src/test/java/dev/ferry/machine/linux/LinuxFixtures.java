package dev.ferry.machine.linux;

import dev.ferry.machine.board.BootFiles;
import dev.ferry.machine.board.DriveConfig;
import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.NicConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.image.Firmware;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.machine.image.KernelFile;
import dev.ferry.machine.image.RawFile;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The built Linux guest ({@code guests/build/linux}) for tests: machines that boot it as {@code ferry run --image
 * linux} does (QEMU's OpenSBI, the Image, the initramfs), with the devices a test asks for.
 */
public final class LinuxFixtures {

    /** RAM of the test machines: enough for the guest, small enough to hash and migrate quickly. */
    public static final long RAM = 128L << 20;

    private LinuxFixtures() {
    }

    /** The built guest; the test fails with how to build it when it is missing. */
    public static GuestImages.LinuxGuest guest() {
        Path build = GuestFixtures.home().resolve("guests/build");
        return new GuestImages(build).linux().orElseThrow(() -> new IllegalStateException(
                "the Linux guest is not built in " + build.resolve("linux") + ": run guests/linux/build.sh "
                + "(./ferry test does it)"));
    }

    /** The configuration of a machine for the guest with command line {@code append} and no devices. */
    public static MachineConfig config(boolean deterministic, String append, OutputStream console) {
        return new MachineConfig(RAM, deterministic, append, console).withMrom(true);
    }

    /** A machine built with {@code config} that has loaded firmware, kernel and initramfs and is at reset. */
    public static VirtMachine boot(MachineConfig config) {
        GuestImages.LinuxGuest g = guest();
        VirtMachine m = new VirtMachine(config);
        try {
            m.boot(new BootFiles(Firmware.of("default", config.ramSize()), KernelFile.read(g.kernel(),
                    config.ramSize()), Optional.of(RawFile.open(g.initrd(), "initrd"))));
        } catch (Exception e) {
            m.close();
            throw new IllegalStateException(e.getMessage(), e);
        }
        return m;
    }

    /** A new zero-filled raw disk image of {@code mib} MiB. */
    public static Path emptyDisk(Path file, int mib) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength((long) mib << 20);
        }
        return file;
    }

    /** One raw read-write drive. */
    public static List<DriveConfig> drive(Path disk) {
        return List.of(new DriveConfig(disk, "raw", false));
    }

    /** One network interface with QEMU's default MAC address and no back end (a cable pulled out). */
    public static List<NicConfig> unpluggedNic() {
        return List.of(new NicConfig("52:54:00:12:34:56", "none"));
    }
}
