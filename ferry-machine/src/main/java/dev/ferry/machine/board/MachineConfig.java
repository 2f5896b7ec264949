package dev.ferry.machine.board;

import java.io.OutputStream;
import java.util.List;
import java.util.Objects;

/**
 * How to build a {@link VirtMachine}.
 *
 * @param ramSize       bytes of RAM, a multiple of 4 KiB
 * @param deterministic time is the count of retired instructions instead of the host clock
 * @param bootArgs      the kernel command line handed to the guest in the device tree's {@code /chosen}
 * @param console       where the UART's output goes
 * @param balloon       attach a virtio balloon in virtio-mmio slot 7 ({@code 0x1000_8000}, IRQ 8), where QEMU puts
 *                      {@code -device virtio-balloon-device}
 * @param drives        disks, each a virtio-blk device
 * @param nics          network interfaces, each a virtio-net device
 * @param rng           attach a virtio-rng device (the guest's entropy source)
 * @param mrom          map QEMU {@code virt}'s boot ROM at {@code 0x1000} (reset vector and OpenSBI's
 *                      {@code fw_dynamic} information), as a kernel boot ({@link VirtMachine#boot(BootFiles)}) needs
 */
public record MachineConfig(long ramSize, boolean deterministic, String bootArgs, OutputStream console,
        boolean balloon, List<DriveConfig> drives, List<NicConfig> nics, boolean rng, boolean mrom) {

    /** QEMU {@code virt}'s default RAM size. */
    public static final long DEFAULT_RAM = 128L << 20;
    /** Smallest RAM a machine can have. */
    public static final long MIN_RAM = 2L << 20;
    /** Largest RAM a machine can have: up to the end of QEMU virt's 32-bit-reachable DRAM window. */
    public static final long MAX_RAM = 64L << 30;

    /** Validates the fields. */
    public MachineConfig {
        Objects.requireNonNull(bootArgs, "bootArgs");
        Objects.requireNonNull(console, "console");
        drives = List.copyOf(drives);
        nics = List.copyOf(nics);
        if (ramSize < MIN_RAM || ramSize > MAX_RAM || (ramSize & 0xfff) != 0) {
            throw new IllegalArgumentException("RAM size must be a multiple of 4 KiB between 2 MiB and 64 GiB, not "
                    + ramSize);
        }
    }

    /** A configuration without devices beyond the board's own. */
    public MachineConfig(long ramSize, boolean deterministic, String bootArgs, OutputStream console) {
        this(ramSize, deterministic, bootArgs, console, false, List.of(), List.of(), false, false);
    }

    /** This configuration with the balloon attached or not. */
    public MachineConfig withBalloon(boolean on) {
        return new MachineConfig(ramSize, deterministic, bootArgs, console, on, drives, nics, rng, mrom);
    }

    /** This configuration with these disks. */
    public MachineConfig withDrives(List<DriveConfig> disks) {
        return new MachineConfig(ramSize, deterministic, bootArgs, console, balloon, disks, nics, rng, mrom);
    }

    /** This configuration with these network interfaces. */
    public MachineConfig withNics(List<NicConfig> interfaces) {
        return new MachineConfig(ramSize, deterministic, bootArgs, console, balloon, drives, interfaces, rng, mrom);
    }

    /** This configuration with a virtio-rng device or without. */
    public MachineConfig withRng(boolean on) {
        return new MachineConfig(ramSize, deterministic, bootArgs, console, balloon, drives, nics, on, mrom);
    }

    /** This configuration with QEMU {@code virt}'s boot ROM mapped or not. */
    public MachineConfig withMrom(boolean on) {
        return new MachineConfig(ramSize, deterministic, bootArgs, console, balloon, drives, nics, rng, on);
    }
}
