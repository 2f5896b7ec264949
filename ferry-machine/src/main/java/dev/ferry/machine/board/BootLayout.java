package dev.ferry.machine.board;

/**
 * Where a kernel boot put things in guest-physical memory, as QEMU 7.2's {@code virt} board would.
 *
 * @param startAddress  where the reset vector jumps: the start of RAM (the firmware, or with {@code -bios none}
 *                      whatever lies there)
 * @param firmwareEnd   one past the firmware's last byte (the start of RAM without firmware)
 * @param kernelAddress the lowest address the kernel occupies
 * @param kernelEntry   the address the firmware hands over to in S mode ({@code fw_dynamic}'s {@code next_addr}):
 *                      an Image's first byte, an ELF's lowest segment address
 * @param initrdStart   the initrd's first byte (0 without an initrd)
 * @param initrdEnd     one past its last byte (0 without an initrd)
 * @param fdtAddress    the device tree's address
 */
public record BootLayout(long startAddress, long firmwareEnd, long kernelAddress, long kernelEntry, long initrdStart,
        long initrdEnd, long fdtAddress) { }
