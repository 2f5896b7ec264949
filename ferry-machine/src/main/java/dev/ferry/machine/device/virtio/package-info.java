/**
 * Virtio devices behind the legacy (version 1) virtio-mmio transport of QEMU 7.2's {@code virt} board: the
 * transport with its split virtqueues ({@link dev.ferry.machine.device.virtio.VirtioMmioTransport}), the memory
 * balloon ({@link dev.ferry.machine.device.virtio.VirtioBalloon}), whose inflated pages become the free page hints
 * that migration skips, and the devices a Linux guest uses: block
 * ({@link dev.ferry.machine.device.virtio.VirtioBlock}), network ({@link dev.ferry.machine.device.virtio.VirtioNet})
 * and entropy ({@link dev.ferry.machine.device.virtio.VirtioRng}).
 */
package dev.ferry.machine.device.virtio;
