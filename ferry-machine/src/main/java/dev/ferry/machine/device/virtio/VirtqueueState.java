package dev.ferry.machine.device.virtio;

/**
 * Saved state of one split virtqueue of the legacy transport.
 *
 * @param address   guest-physical address of the descriptor table (0 = not set up)
 * @param num       queue size, 1 to {@link Virtqueue#MAX_SIZE}
 * @param align     alignment of the used ring as the driver wrote it
 * @param lastAvail next available-ring index the device consumes, 0 to 0xffff
 * @param usedIdx   used-ring index the device wrote last, 0 to 0xffff
 */
public record VirtqueueState(long address, int num, int align, int lastAvail, int usedIdx) {
}
