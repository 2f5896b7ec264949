package dev.ferry.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Repairs the refcounts of an image left dirty (lazy refcounts, not closed cleanly) before it is written, as qemu
 * does when it opens such an image: counts every reference the metadata makes, raises each refcount that is lower
 * than its count, then clears the dirty bit. It never lowers a refcount — an excess is a leak, which is harmless —
 * and a crash during the repair leaves the image dirty, to be repaired again.
 */
final class RefcountRepair {

    /** Images whose file has more clusters than this are left to {@code qemu-img check -r all}. */
    private static final long MAX_CLUSTERS = 1L << 26;

    private RefcountRepair() {
    }

    /**
     * Recounts and repairs {@code file}, whose header {@code h} has the dirty bit set.
     *
     * @throws dev.ferry.machine.device.block.BlockBackendException if a reference points outside the file or the
     *                                                              image is too large to recount
     */
    static void repair(ImageFile file, Qcow2Header h, Refcounts refcounts, String name) throws IOException {
        int bits = h.clusterBits();
        long clusterSize = h.clusterSize();
        long clusters = (file.length() + clusterSize - 1) >>> bits;
        if (clusters > MAX_CLUSTERS) {
            throw Qcow2Header.bad(name, "is marked dirty and too large to recount here; repair it with qemu-img "
                    + "check -r all");
        }
        int[] counts = new int[(int) clusters];
        Counter count = (offset, bytes) -> {
            if (bytes > 0 && (offset < clusterSize || offset + bytes > clusters << bits)) {
                throw Qcow2Header.bad(name, "is marked dirty and has a reference past the end of the file (0x"
                        + Long.toHexString(offset) + "); repair it with qemu-img check -r all");
            }
            for (long c = offset >>> bits; c < (offset + bytes + clusterSize - 1) >>> bits; c++) {
                counts[(int) c]++;
            }
        };
        counts[0]++;
        count.add(h.l1TableOffset(), h.l1Size() * 8L);
        for (long c : refcounts.metadataClusters()) {
            count.add(c, clusterSize);
        }
        ByteBuffer l1 = ByteBuffer.allocate(h.l1Size() * 8);
        file.read(l1, h.l1TableOffset());
        ByteBuffer l2 = ByteBuffer.allocate((int) clusterSize);
        for (int i = 0; i < h.l1Size(); i++) {
            long table = l1.getLong(i * 8) & ClusterMap.OFFSET_MASK;
            if (table == 0) {
                continue;
            }
            count.add(table, clusterSize);
            file.read(l2.clear(), table);
            for (int k = 0; k < clusterSize / 8; k++) {
                long e = l2.getLong(k * 8);
                if ((e & ClusterMap.COMPRESSED) != 0) {
                    for (long c : CompressedCluster.hostClusters(e, bits)) {
                        count.add(c, clusterSize);
                    }
                } else if ((e & ClusterMap.OFFSET_MASK) != 0) {
                    count.add(e & ClusterMap.OFFSET_MASK, clusterSize);
                }
            }
        }
        for (int c = 0; c < counts.length; c++) {
            if (counts[c] > 0 && refcounts.get((long) c << bits) < counts[c]) {
                refcounts.set((long) c << bits, Math.min(counts[c], 0xffff));
            }
        }
        file.force();
        file.write(ByteBuffer.allocate(8).putLong(0, h.incompatibleFeatures() & ~Qcow2Header.DIRTY),
                Qcow2Header.INCOMPATIBLE_FIELD);
        file.force();
    }

    /** Adds one reference to every cluster of a byte range. */
    @FunctionalInterface
    private interface Counter {
        void add(long offset, long bytes) throws IOException;
    }
}
