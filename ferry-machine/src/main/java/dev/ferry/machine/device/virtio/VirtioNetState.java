package dev.ferry.machine.device.virtio;

/**
 * Saved state of a {@link VirtioNet} and its transport. Frames waiting in the receive queue are not saved: a
 * migration may lose frames in flight, as a real network may, and TCP recovers them.
 *
 * @param transport  the virtio-mmio transport and its three queues
 * @param mac        the configured MAC address (6 bytes); a restore needs a device configured with the same one
 * @param filter     the receive filter and current MAC address the driver set
 * @param announcing the ANNOUNCE status bit: the guest was asked to announce itself and has not acknowledged
 */
public record VirtioNetState(VirtioMmioState transport, byte[] mac, NetFilterState filter, boolean announcing) {
}
