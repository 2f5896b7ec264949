package dev.ferry.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where each guest cluster lives: the L1 table and a bounded cache of L2 tables. Changed entries stay in memory
 * until {@link #commit()}, which first forces the file (so every cluster they point at, and its refcount, is
 * durable) and then writes them; a crash before that leaves the old entries, never one pointing at a cluster whose
 * contents or refcount did not reach the disk.
 */
final class ClusterMap {

    /** Bits 9 to 55 of an L1 or L2 entry: the host offset. */
    static final long OFFSET_MASK = 0x00ff_ffff_ffff_fe00L;
    /** The cluster's refcount is exactly one: it may be written in place. */
    static final long COPIED = 1L << 63;
    /** The cluster holds compressed data. */
    static final long COMPRESSED = 1L << 62;
    /** Version 3: the cluster reads as zeros. */
    static final long ZERO = 1;

    private static final int CACHE_BYTES = 4 << 20;

    private final ImageFile file;
    private final int clusterBits;
    private final int l2Bits;
    private final long l1Offset;
    private final long[] l1;
    private final BitSet l1Pending = new BitSet();
    private final Map<Long, L2Table> cache = new LinkedHashMap<>(16, 0.75f, true);
    private final int cachedTables;
    private final int maxPendingTables;
    private int pendingTables;

    private ClusterMap(ImageFile file, int clusterBits, long l1Offset, long[] l1) {
        this.file = file;
        this.clusterBits = clusterBits;
        this.l2Bits = clusterBits - 3;
        this.l1Offset = l1Offset;
        this.l1 = l1;
        this.cachedTables = Math.max(4, CACHE_BYTES >> clusterBits);
        this.maxPendingTables = cachedTables / 2;
    }

    /**
     * Reads the L1 table and checks that every L2 table it names lies inside the file, cluster-aligned.
     *
     * @throws dev.ferry.machine.device.block.BlockBackendException naming the first bad entry
     */
    static ClusterMap load(ImageFile file, Qcow2Header h, String name) throws IOException {
        long clusterSize = h.clusterSize();
        long end = (file.length() + clusterSize - 1) & -clusterSize;
        long[] l1 = new long[h.l1Size()];
        ByteBuffer b = ByteBuffer.allocate(l1.length * 8);
        file.read(b, h.l1TableOffset());
        b.flip();
        for (int i = 0; i < l1.length; i++) {
            long e = b.getLong();
            long offset = e & OFFSET_MASK;
            if ((e & ~(OFFSET_MASK | COPIED)) != 0 || (offset & (clusterSize - 1)) != 0
                    || e != 0 && (offset == 0 || offset + clusterSize > end
                    || overlaps(offset, clusterSize, h.l1TableOffset(), l1.length * 8L)
                    || overlaps(offset, clusterSize, h.refcountTableOffset(),
                    (long) h.refcountTableClusters() * clusterSize))) {
                throw Qcow2Header.bad(name, "has L1 entry " + i + " pointing at an invalid L2 table (0x"
                        + Long.toHexString(e) + ")");
            }
            l1[i] = e;
        }
        return new ClusterMap(file, h.clusterBits(), h.l1TableOffset(), l1);
    }

    private static boolean overlaps(long a, long aLength, long b, long bLength) {
        return a < b + bLength && b < a + aLength;
    }

    /** The L2 entry of guest cluster {@code cluster}, 0 when its L2 table is not allocated. */
    long entry(long cluster) throws IOException {
        L2Table t = table(cluster, null);
        return t == null ? 0 : t.entries[(int) (cluster & ((1 << l2Bits) - 1))];
    }

    /**
     * Sets the L2 entry of guest cluster {@code cluster} in memory, allocating its L2 table from {@code refcounts}
     * first if there is none; the file sees the entry at the next {@link #commit()}.
     */
    void set(long cluster, long entry, Refcounts refcounts) throws IOException {
        L2Table t = table(cluster, refcounts);
        t.entries[(int) (cluster & ((1 << l2Bits) - 1))] = entry;
        if (!t.dirty) {
            t.dirty = true;
            pendingTables++;
        }
        if (pendingTables > maxPendingTables) {
            commit();
        }
    }

    /** True when entries changed since the last {@link #commit()}. */
    boolean pending() {
        return pendingTables > 0 || !l1Pending.isEmpty();
    }

    /**
     * Forces the file, then writes every changed L2 table and L1 entry. The caller forces again for durability.
     */
    void commit() throws IOException {
        if (!pending()) {
            return;
        }
        file.force();
        for (L2Table t : cache.values()) {
            if (t.dirty) {
                ByteBuffer b = ByteBuffer.allocate(t.entries.length * 8);
                for (long e : t.entries) {
                    b.putLong(e);
                }
                file.write(b.flip(), t.offset);
                t.dirty = false;
            }
        }
        pendingTables = 0;
        for (int i = l1Pending.nextSetBit(0); i >= 0; i = l1Pending.nextSetBit(i + 1)) {
            file.write(ByteBuffer.allocate(8).putLong(0, l1[i]), l1Offset + i * 8L);
        }
        l1Pending.clear();
        trim();
    }

    private L2Table table(long cluster, Refcounts allocator) throws IOException {
        long l1Index = cluster >>> l2Bits;
        if (l1Index >= l1.length) {
            throw new IOException("qcow2 cluster " + cluster + " is beyond the L1 table");
        }
        int i = (int) l1Index;
        long offset = l1[i] & OFFSET_MASK;
        if (offset == 0) {
            if (allocator == null) {
                return null;
            }
            offset = allocator.reserve();
            file.write(ByteBuffer.allocate(1 << clusterBits), offset);
            allocator.set(offset, 1);
            l1[i] = offset | COPIED;
            l1Pending.set(i);
            L2Table fresh = new L2Table(offset, new long[1 << l2Bits]);
            fresh.dirty = true;
            pendingTables++;
            trim();
            cache.put(offset, fresh);
            return fresh;
        }
        L2Table t = cache.get(offset);
        if (t == null) {
            ByteBuffer b = ByteBuffer.allocate(1 << clusterBits);
            file.read(b, offset);
            b.flip();
            long[] entries = new long[1 << l2Bits];
            b.asLongBuffer().get(entries);
            t = new L2Table(offset, entries);
            trim();
            cache.put(offset, t);
        }
        return t;
    }

    /** Drops clean tables, least recently used first, beyond the cache's bound. */
    private void trim() {
        Iterator<L2Table> it = cache.values().iterator();
        while (cache.size() > cachedTables && it.hasNext()) {
            if (!it.next().dirty) {
                it.remove();
            }
        }
    }

    /** One L2 table: its place in the file, its entries, and whether they changed since the last commit. */
    private static final class L2Table {
        final long offset;
        final long[] entries;
        boolean dirty;

        L2Table(long offset, long[] entries) {
            this.offset = offset;
            this.entries = entries;
        }
    }
}
