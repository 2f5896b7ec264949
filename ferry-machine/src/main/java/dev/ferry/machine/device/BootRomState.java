package dev.ferry.machine.device;

/**
 * Saved state of the {@link BootRom}.
 *
 * @param contents the bytes from the start of the ROM (the rest reads as zero)
 */
public record BootRomState(byte[] contents) { }
