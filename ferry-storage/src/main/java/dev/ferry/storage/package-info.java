/**
 * Ferry's virtual disks beyond raw files: qcow2 images (with backing files, interoperable with {@code qemu-img}) and
 * NBD exports, each a {@link dev.ferry.machine.device.block.BlockBackend} that virtio-blk uses.
 */
package dev.ferry.storage;
