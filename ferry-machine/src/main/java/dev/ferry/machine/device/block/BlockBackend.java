package dev.ferry.machine.device.block;

import java.io.IOException;

/**
 * Where a virtual disk's bytes live: what a virtio-blk device asks of its storage. The raw file of
 * {@link RawFileBackend} is one; the storage layer plugs in qcow2 images and NBD exports. Offsets and lengths are in
 * bytes; the device only asks for whole 512-byte sectors inside {@link #size()}. Calls arrive on the vCPU thread,
 * one at a time; an {@link IOException} becomes an I/O error status for the guest, never a crash.
 */
public interface BlockBackend extends AutoCloseable {

    /** Size of the disk in bytes, a multiple of 512. */
    long size();

    /** True when the guest may not write: the device offers the read-only feature and fails writes. */
    boolean readOnly();

    /** Reads {@code len} bytes at {@code offset} into {@code dst} from {@code dstOff}. */
    void read(long offset, byte[] dst, int dstOff, int len) throws IOException;

    /** Writes {@code len} bytes of {@code src} from {@code srcOff} at {@code offset}. */
    void write(long offset, byte[] src, int srcOff, int len) throws IOException;

    /** Makes every completed write durable before it returns (the guest's flush request completes after it). */
    void flush() throws IOException;

    /** Writes {@code len} zero bytes at {@code offset}; back ends that can deallocate may do so instead. */
    default void writeZeroes(long offset, long len) throws IOException {
        byte[] zeros = new byte[(int) Math.min(len, 1 << 20)];
        for (long done = 0; done < len; ) {
            int n = (int) Math.min(zeros.length, len - done);
            write(offset + done, zeros, 0, n);
            done += n;
        }
    }

    /** Releases the storage; the device must not be used afterwards. */
    @Override
    void close() throws IOException;
}
