package dev.ferry.machine.device.virtio;

/**
 * Saved state of a {@link VirtioNet} and its transport. Frames waiting in the receive queue are not saved: a
 * migration may lose frames in flight, as a real network may, and TCP recovers them.
 *
 * @param transport the virtio-mmio transport and its two queues
 * @param mac       the MAC address (6 bytes); a restore needs a device with the same address
 */
public record VirtioNetState(VirtioMmioState transport, byte[] mac) {
}
