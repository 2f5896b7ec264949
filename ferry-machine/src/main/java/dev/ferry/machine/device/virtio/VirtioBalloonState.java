package dev.ferry.machine.device.virtio;

/**
 * Saved state of a {@link VirtioBalloon} and its transport.
 *
 * @param transport   the virtio-mmio transport and its queues
 * @param numPages    the host's target balloon size in 4 KiB pages
 * @param actual      the balloon size the driver last reported
 * @param poisonValue the page poison value the driver wrote (with VIRTIO_BALLOON_F_PAGE_POISON)
 */
public record VirtioBalloonState(VirtioMmioState transport, int numPages, int actual, int poisonValue) {
}
