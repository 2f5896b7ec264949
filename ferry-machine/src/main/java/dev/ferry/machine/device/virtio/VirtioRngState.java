package dev.ferry.machine.device.virtio;

/**
 * Saved state of a {@link VirtioRng} and its transport.
 *
 * @param transport the virtio-mmio transport and its queue
 * @param generator the deterministic generator's four state words; all zero for a device fed by the host's
 *                  {@link java.security.SecureRandom} (real-time mode), never all zero otherwise
 */
public record VirtioRngState(VirtioMmioState transport, long[] generator) {
}
