package dev.ferry.machine.device.virtio;

/**
 * Saved state of a {@link VirtioBlock} and its transport. The disk's contents are not part of it: they live in the
 * back end, which the storage layer shares or copies.
 *
 * @param transport the virtio-mmio transport and its queue
 * @param sectors   capacity in 512-byte sectors; a restore needs a disk of the same size
 * @param readOnly  whether the disk was read-only; a restore needs the same
 * @param writeback the write cache is on (off: every write is flushed before it completes)
 */
public record VirtioBlockState(VirtioMmioState transport, long sectors, boolean readOnly, boolean writeback) {
}
