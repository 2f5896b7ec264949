/**
 * Storage behind virtual disks: the {@link dev.ferry.machine.device.block.BlockBackend} interface the virtio-blk
 * device reads and writes through, the raw-file back end, and the factory the storage layer extends with qcow2
 * and NBD.
 */
package dev.ferry.machine.device.block;
