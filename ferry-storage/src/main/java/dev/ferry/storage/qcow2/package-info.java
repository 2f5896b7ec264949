/**
 * qcow2 disk images, read and written as {@code qemu-img} does, with backing files: {@link
 * dev.ferry.storage.qcow2.Qcow2Backend} serves one to virtio-blk, {@link dev.ferry.storage.qcow2.Qcow2Image} creates
 * new images and overlays.
 */
package dev.ferry.storage.qcow2;
