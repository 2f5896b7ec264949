package dev.ferry.host;

import dev.ferry.host.api.ApiException;
import dev.ferry.host.api.CreateVmRequest;
import dev.ferry.host.api.ErrorCode;
import dev.ferry.host.image.HostImages;
import dev.ferry.host.vm.VmOrigin;
import dev.ferry.machine.board.BootFiles;
import dev.ferry.machine.board.DeviceSpecs;
import dev.ferry.machine.board.DriveConfig;
import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.NicConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.image.Firmware;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.machine.image.ImageFormatException;
import dev.ferry.machine.image.KernelFile;
import dev.ferry.machine.image.RawFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a create request asks this host to boot, checked before a machine is built: a bare-metal image, or a kernel
 * (given, or the built-in Linux guest) with initrd and firmware, and the machine's disks and network interfaces.
 * Every file comes from the host's image directory (or the uploads, for a bare-metal image): the host opens no other
 * file on a client's behalf. Each problem is one {@link ApiException} naming the field.
 */
final class BootRequest {

    private final CreateVmRequest req;
    private final HostImages images;
    private final Path disks;
    private final boolean linux;
    private final boolean kernelBoot;
    private VmOrigin.BootMedia media;

    BootRequest(CreateVmRequest req, HostImages images, Path disks) {
        this.req = req;
        this.images = images;
        this.disks = disks;
        boolean noImage = req.image() == null || req.image().isBlank();
        if (noImage && req.kernel() == null) {
            throw new ApiException(ErrorCode.BAD_IMAGE, "image: give a built-in image name, a file in the host's image "
                    + "directory or an uploaded image (or a kernel)");
        }
        if (!noImage && req.kernel() != null) {
            throw ApiException.badRequest("image and kernel exclude each other: give one thing to boot");
        }
        this.linux = GuestImages.bootsLinux(req.image());
        this.kernelBoot = req.kernel() != null || linux || (req.bios() != null && !req.bios().equals("none"));
        if (req.initrd() != null && !(req.kernel() != null || linux)) {
            throw ApiException.badRequest("initrd needs a kernel (or image linux or web): an initrd is for a kernel");
        }
    }

    /** True when the request boots a kernel (through the boot ROM and, by default, OpenSBI). */
    boolean kernelBoot() {
        return kernelBoot;
    }

    /** What the VM is shown as having booted. */
    String shownImage() {
        return req.kernel() != null ? req.kernel() : req.image();
    }

    /** The RAM to give when the request names none. */
    long defaultRam() {
        return linux ? GuestImages.LinuxGuest.DEFAULT_RAM : MachineConfig.DEFAULT_RAM;
    }

    /** The command line when the request gives no arguments (for {@code web}, with its services). */
    String defaultArgs() {
        return linux ? GuestImages.commandLine(req.image(), GuestImages.LinuxGuest.DEFAULT_APPEND) : "";
    }

    /** The command line {@code args} gives the image (for {@code web}, with its services after them). */
    String imageCommandLine(String args) {
        return linux ? GuestImages.commandLine(req.image(), args) : args;
    }

    /** A disk file in the host's image directory, or else in its disk directory (disks the host made). */
    private Path confinedDrive(String name) throws ImageFormatException {
        try {
            return images.directory().confinedFile(name, "drive");
        } catch (ImageFormatException e) {
            try {
                return new GuestImages(disks).confinedFile(name, "drive");
            } catch (ImageFormatException ignored) {
                throw new ImageFormatException("drive '" + name + "' is not a file in this host's image directory or "
                        + "disk directory");
            }
        }
    }

    /** {@code base} with the request's disks, network interfaces, entropy device and (for a kernel) boot ROM. */
    MachineConfig configure(MachineConfig base) {
        List<DriveConfig> drives = new ArrayList<>();
        for (String spec : req.drives() == null ? List.<String>of() : req.drives()) {
            try {
                DriveConfig d = DeviceSpecs.parseDrive(spec);
                if (d.isFile()) {
                    d = new DriveConfig(confinedDrive(d.file().toString()), d.format(), d.readOnly());
                }
                DeviceSpecs.checkDrive(d);
                drives.add(d);
            } catch (IllegalArgumentException | ImageFormatException e) {
                throw ApiException.badRequest("drives: " + e.getMessage());
            }
        }
        List<NicConfig> nics = new ArrayList<>();
        for (String spec : req.nics() == null ? List.<String>of() : req.nics()) {
            try {
                nics.add(DeviceSpecs.parseNic(spec, nics.size()));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("nics: " + e.getMessage());
            }
        }
        return base.withDrives(drives).withNics(nics).withRng(Boolean.TRUE.equals(req.rng())).withMrom(kernelBoot);
    }

    /**
     * Loads what the request boots into {@code machine}.
     *
     * @throws ImageFormatException when a file is not what it should be or does not fit
     */
    void boot(VirtMachine machine, long ram) throws ImageFormatException {
        if (!kernelBoot) {
            machine.boot(images.load(req.image(), ram));
            try {
                media = new VmOrigin.BootMedia(false, images.file(req.image()), null, null);
            } catch (ImageFormatException e) {
                media = null;
            }
            return;
        }
        GuestImages dir = images.directory();
        KernelFile kernel;
        RawFile initrd = null;
        if (linux) {
            GuestImages.LinuxGuest g = dir.linux().orElseThrow(() -> new ImageFormatException("the Linux guest is "
                    + "not built on this host (no linux/Image and linux/initramfs.cpio.gz in its image directory)"));
            kernel = KernelFile.read(g.kernel(), ram);
            initrd = RawFile.open(g.initrd(), "initrd");
        } else if (req.kernel() != null) {
            kernel = KernelFile.read(dir.confinedFile(req.kernel(), "kernel"), ram);
        } else {
            kernel = KernelFile.read(dir.confinedFile(req.image(), "kernel"), ram);
        }
        if (req.initrd() != null) {
            initrd = RawFile.open(dir.confinedFile(req.initrd(), "initrd"), "initrd");
        }
        String bios = req.bios() == null ? "default" : req.bios();
        Firmware firmware = bios.equals("default") || bios.equals("none") ? Firmware.of(bios, ram)
                : Firmware.of(dir.confinedFile(bios, "firmware").toString(), ram);
        machine.boot(new BootFiles(firmware, kernel, Optional.ofNullable(initrd)));
        Path firmwareFile = switch (firmware) {
            case Firmware.None none -> null;
            case Firmware.Raw raw -> raw.file().path();
            case Firmware.Elf elf -> elf.elf().path();
        };
        media = new VmOrigin.BootMedia(true, kernel.path(), initrd == null ? null : initrd.path(), firmwareFile);
    }

    /**
     * The files a VM that booted {@code image} (a name as a VM's descriptor carries it) would have loaded on this
     * host, or {@code null} when this host cannot name them (an image uploaded to another host, a kernel given by
     * path): what a VM that migrated in is given as its origin, so that templates and checkpoints can be made of it.
     */
    static VmOrigin.BootMedia mediaOf(String image, long ram, HostImages images) {
        if (image == null || image.isEmpty()) {
            return null;
        }
        try {
            if (!GuestImages.bootsLinux(image)) {
                return new VmOrigin.BootMedia(false, images.file(image), null, null);
            }
            GuestImages.LinuxGuest g = images.directory().linux().orElse(null);
            if (g == null) {
                return null;
            }
            Path firmware = switch (Firmware.of("default", ram)) {
                case Firmware.None none -> null;
                case Firmware.Raw raw -> raw.file().path();
                case Firmware.Elf elf -> elf.elf().path();
            };
            return new VmOrigin.BootMedia(true, g.kernel(), g.initrd(), firmware);
        } catch (ImageFormatException | RuntimeException e) {
            return null;
        }
    }

    /** The files {@link #boot} loaded (after it returned), or {@code null} when they cannot be named. */
    VmOrigin.BootMedia media() {
        return media;
    }
}
