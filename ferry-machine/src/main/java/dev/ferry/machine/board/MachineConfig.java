package dev.ferry.machine.board;

import java.io.OutputStream;
import java.util.Objects;

/**
 * How to build a {@link VirtMachine}.
 *
 * @param ramSize       bytes of RAM, a multiple of 4 KiB
 * @param deterministic time is the count of retired instructions instead of the host clock
 * @param bootArgs      the kernel command line handed to the guest in the device tree's {@code /chosen}
 * @param console       where the UART's output goes
 */
public record MachineConfig(long ramSize, boolean deterministic, String bootArgs, OutputStream console) {

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
        if (ramSize < MIN_RAM || ramSize > MAX_RAM || (ramSize & 0xfff) != 0) {
            throw new IllegalArgumentException("RAM size must be a multiple of 4 KiB between 2 MiB and 64 GiB, not "
                    + ramSize);
        }
    }
}
