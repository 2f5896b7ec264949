package dev.ferry.machine.device.virtio;

import java.util.List;

/**
 * Saved state of a {@link VirtioMmioTransport}.
 *
 * @param hostFeaturesSel  HostFeaturesSel register
 * @param guestFeaturesSel GuestFeaturesSel register
 * @param guestFeatures    features the driver accepted (a subset of the device's)
 * @param guestPageShift   log2 of GuestPageSize, 0 to 31
 * @param queueSel         QueueSel register
 * @param status           device status, 0 to 0xff
 * @param interruptStatus  InterruptStatus bits (1 = used buffer, 2 = configuration change)
 * @param broken           the driver sent a malformed ring; queues are ignored until reset
 * @param queues           one entry per virtqueue of the device
 */
public record VirtioMmioState(int hostFeaturesSel, int guestFeaturesSel, long guestFeatures, int guestPageShift,
        int queueSel, int status, int interruptStatus, boolean broken, List<VirtqueueState> queues) {
}
