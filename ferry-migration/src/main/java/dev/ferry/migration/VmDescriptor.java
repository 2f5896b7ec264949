package dev.ferry.migration;

import dev.ferry.machine.board.DriveConfig;
import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.NicConfig;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;

/**
 * Host-side facts about a VM that travel with it: its name on the hosts, the machine configuration the
 * target must build, the instruction limit at which a deterministic run parks, and where it came from (image and
 * boot arguments), so the target can show, restart or save it faithfully. Peers speaking protocol 2 do not carry
 * image and boot arguments: they arrive empty. Disks, network interfaces, the entropy device and the boot ROM
 * travel from protocol 4 on; a VM that has any of them cannot migrate to an older target.
 *
 * @param name             the VM's name, unique on a host
 * @param ramSize          bytes of guest RAM
 * @param deterministic    time is the count of retired instructions
 * @param instructionLimit the VM parks at this many retired instructions ({@code Long.MAX_VALUE}: never)
 * @param balloon          the machine has a virtio balloon device
 * @param image            the image the VM booted (a built-in name or a path on the host it booted on), or empty
 *                         when unknown
 * @param bootArgs         its boot arguments (the device tree's {@code /chosen/bootargs}), or empty
 * @param drives           its disks (the target opens the same files: shared storage)
 * @param nics             its network interfaces
 * @param rng              the machine has a virtio-rng device
 * @param mrom             the machine has the boot ROM of a kernel boot (its contents travel as device state)
 */
public record VmDescriptor(String name, long ramSize, boolean deterministic, long instructionLimit,
        boolean balloon, String image, String bootArgs, List<DriveConfig> drives, List<NicConfig> nics, boolean rng,
        boolean mrom) {

    /** Validates the fields. */
    public VmDescriptor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(bootArgs, "bootArgs");
        drives = List.copyOf(drives);
        nics = List.copyOf(nics);
    }

    /** A VM with the board's devices only. */
    public VmDescriptor(String name, long ramSize, boolean deterministic, long instructionLimit, boolean balloon,
            String image, String bootArgs) {
        this(name, ramSize, deterministic, instructionLimit, balloon, image, bootArgs, List.of(), List.of(), false,
                false);
    }

    /** A VM whose image and boot arguments are not known. */
    public VmDescriptor(String name, long ramSize, boolean deterministic, long instructionLimit, boolean balloon) {
        this(name, ramSize, deterministic, instructionLimit, balloon, "", "");
    }

    /** A VM without a balloon device whose image and boot arguments are not known. */
    public VmDescriptor(String name, long ramSize, boolean deterministic, long instructionLimit) {
        this(name, ramSize, deterministic, instructionLimit, false);
    }

    /** The facts of a VM built with {@code config}. */
    public static VmDescriptor of(String name, MachineConfig config, long instructionLimit, String image) {
        return new VmDescriptor(name, config.ramSize(), config.deterministic(), instructionLimit, config.balloon(),
                image, config.bootArgs(), config.drives(), config.nics(), config.rng(), config.mrom());
    }

    /** True when the VM has something only protocol 4 and later can describe. */
    public boolean needsMachineDescription() {
        return !drives.isEmpty() || !nics.isEmpty() || rng || mrom;
    }

    /** The configuration of the machine a target builds for this VM, its console going to {@code console}. */
    public MachineConfig machineConfig(OutputStream console) {
        return new MachineConfig(ramSize, deterministic, bootArgs, console).withBalloon(balloon).withDrives(drives)
                .withNics(nics).withRng(rng).withMrom(mrom);
    }
}
