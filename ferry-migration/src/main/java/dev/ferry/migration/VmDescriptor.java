package dev.ferry.migration;

import java.util.Objects;

/**
 * Host-side facts about a VM that travel with it: its name on the hosts, the machine configuration the
 * target must build, the instruction limit at which a deterministic run parks, and where it came from (image and
 * boot arguments), so the target can show, restart or save it faithfully. Peers speaking protocol 2 do not carry
 * image and boot arguments: they arrive empty.
 *
 * @param name             the VM's name, unique on a host
 * @param ramSize          bytes of guest RAM
 * @param deterministic    time is the count of retired instructions
 * @param instructionLimit the VM parks at this many retired instructions ({@code Long.MAX_VALUE}: never)
 * @param balloon          the machine has a virtio balloon device
 * @param image            the image the VM booted (a built-in name or a path on the host it booted on), or empty
 *                         when unknown
 * @param bootArgs         its boot arguments (the device tree's {@code /chosen/bootargs}), or empty
 */
public record VmDescriptor(String name, long ramSize, boolean deterministic, long instructionLimit,
        boolean balloon, String image, String bootArgs) {

    /** Validates the fields. */
    public VmDescriptor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(bootArgs, "bootArgs");
    }

    /** A VM whose image and boot arguments are not known. */
    public VmDescriptor(String name, long ramSize, boolean deterministic, long instructionLimit, boolean balloon) {
        this(name, ramSize, deterministic, instructionLimit, balloon, "", "");
    }

    /** A VM without a balloon device whose image and boot arguments are not known. */
    public VmDescriptor(String name, long ramSize, boolean deterministic, long instructionLimit) {
        this(name, ramSize, deterministic, instructionLimit, false);
    }
}
