package dev.ferry.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads a compressed cluster (as {@code qemu-img convert -c} writes them): a raw deflate stream at an unaligned host
 * offset spanning a number of 512-byte sectors, both packed into the L2 entry.
 */
final class CompressedCluster {

    private CompressedCluster() {
    }

    /** The offsets of the host clusters the compressed data of {@code entry} spans (each counts it once). */
    static long[] hostClusters(long entry, int clusterBits) {
        int sizeShift = 62 - (clusterBits - 8);
        long offset = entry & ((1L << sizeShift) - 1);
        long sectors = (entry >>> sizeShift) & ((1L << (clusterBits - 8)) - 1);
        long last = offset + (sectors + 1) * 512 - (offset & 511) - 1;
        long first = offset >>> clusterBits;
        long[] out = new long[(int) ((last >>> clusterBits) - first + 1)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (first + i) << clusterBits;
        }
        return out;
    }

    /** The cluster's contents, {@code 1 << clusterBits} bytes. */
    static byte[] inflate(ImageFile file, long entry, int clusterBits, Path image) throws IOException {
        int sizeShift = 62 - (clusterBits - 8);
        long offset = entry & ((1L << sizeShift) - 1);
        long sectors = (entry >>> sizeShift) & ((1L << (clusterBits - 8)) - 1);
        long stored = (sectors + 1) * 512 - (offset & 511);
        long length = file.length();
        if (offset == 0 || offset >= length) {
            throw new IOException("qcow2 image " + image + ": compressed cluster at 0x" + Long.toHexString(offset)
                    + " is outside the file");
        }
        ByteBuffer in = ByteBuffer.allocate((int) Math.min(stored, length - offset));
        file.read(in, offset);
        byte[] out = new byte[1 << clusterBits];
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(in.array(), 0, in.capacity());
            int n = 0;
            while (n < out.length && !inflater.finished()) {
                int got = inflater.inflate(out, n, out.length - n);
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                n += got;
            }
            if (n != out.length) {
                throw new IOException("qcow2 image " + image + ": compressed cluster at 0x"
                        + Long.toHexString(offset) + " inflates to " + n + " bytes, not " + out.length);
            }
            return out;
        } catch (DataFormatException e) {
            throw new IOException("qcow2 image " + image + ": compressed cluster at 0x" + Long.toHexString(offset)
                    + " is not valid deflate data");
        } finally {
            inflater.end();
        }
    }
}
