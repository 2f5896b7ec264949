/**
 * Virtio devices behind the legacy (version 1) virtio-mmio transport of QEMU 7.2's {@code virt} board: the
 * transport with its split virtqueues ({@link dev.ferry.machine.device.virtio.VirtioMmioTransport}) and the
 * memory balloon ({@link dev.ferry.machine.device.virtio.VirtioBalloon}), whose inflated pages become the free
 * page hints that migration skips.
 */
package dev.ferry.machine.device.virtio;
