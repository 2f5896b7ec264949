package dev.ferry.cli;

import dev.ferry.machine.board.BootFiles;
import dev.ferry.machine.board.DeviceSpecs;
import dev.ferry.machine.board.DriveConfig;
import dev.ferry.machine.board.NicConfig;
import dev.ferry.machine.image.Firmware;
import dev.ferry.machine.image.ImageFormatException;
import dev.ferry.machine.image.KernelFile;
import dev.ferry.machine.image.RawFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The options that describe a Linux-capable machine, spelled as QEMU spells them: kernel, initrd, firmware,
 * disks, network interfaces and the entropy device. Shared by {@code ferry run} and {@code ferry vm create}.
 */
public final class MachineOptions {

    @Option(names = "--kernel", paramLabel = "FILE",
            description = "Kernel to boot (a RISC-V Linux Image or an ELF), as QEMU's -kernel; the firmware "
                    + "defaults to OpenSBI (--bios default).")
    Path kernel;

    @Option(names = "--initrd", paramLabel = "FILE", description = "Initial RAM disk for the kernel (as QEMU's -initrd).")
    Path initrd;

    @Option(names = "--bios", paramLabel = "default|none|FILE",
            description = "Firmware (as QEMU's -bios): 'default' is QEMU's OpenSBI fw_dynamic "
                    + "(default with --kernel), 'none' enters the image directly (default for bare-metal --image).")
    String bios;

    @Option(names = "--drive", paramLabel = "file=PATH[,format=raw|qcow2][,readonly=on]|nbd://HOST[:PORT]/EXPORT",
            description = "A disk, as a virtio-blk device (repeatable): an image file, or an export of an NBD server "
                    + "(shared storage: a migration does not copy it).")
    List<String> drives = new ArrayList<>();

    @Option(names = "--nic", paramLabel = "tap:NAME|switch|none[,mac=MAC]",
            description = "A network interface, as a virtio-net device on a TAP device, a port of the host's switch "
                    + "(vm create only) or 'none' (repeatable); the MAC defaults to QEMU's 52:54:00:12:34:56 (plus the "
                    + "NIC's index).")
    List<String> nics = new ArrayList<>();

    @Option(names = "--rng", description = "Give the guest a virtio-rng entropy device.")
    boolean rng;

    /** True when any option was given that only a machine built from scratch can take (not a restore). */
    boolean anyGiven() {
        return kernel != null || initrd != null || bios != null || !drives.isEmpty() || !nics.isEmpty() || rng;
    }

    /** The disks, parsed; each file checked when {@code checkFiles} (on the machine whose files they are). */
    List<DriveConfig> driveConfigs(boolean checkFiles) {
        List<DriveConfig> out = new ArrayList<>();
        for (String spec : drives) {
            try {
                DriveConfig d = DeviceSpecs.parseDrive(spec);
                if (checkFiles) {
                    DeviceSpecs.checkDrive(d);
                }
                out.add(d);
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
        }
        return out;
    }

    /** The network interfaces, parsed. */
    List<NicConfig> nicConfigs() {
        List<NicConfig> out = new ArrayList<>();
        for (String spec : nics) {
            try {
                out.add(DeviceSpecs.parseNic(spec, out.size()));
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
        }
        return out;
    }

    /**
     * Reads the files of a kernel boot on this machine: {@code kernelFile} and {@code initrdFile} (or none), and
     * the firmware {@code --bios} names (default: QEMU's OpenSBI).
     */
    BootFiles bootFiles(Path kernelFile, Path initrdFile, long ramBytes) {
        try {
            Firmware firmware = Firmware.of(bios == null ? "default" : bios, ramBytes);
            KernelFile k = KernelFile.read(kernelFile, ramBytes);
            Optional<RawFile> rd = initrdFile == null ? Optional.empty()
                    : Optional.of(RawFile.open(initrdFile, "initrd"));
            return new BootFiles(firmware, k, rd);
        } catch (ImageFormatException e) {
            throw new UserError(e.getMessage());
        }
    }
}
