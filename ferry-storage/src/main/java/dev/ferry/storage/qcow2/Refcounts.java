package dev.ferry.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.stream.LongStream;

/**
 * The refcounts of a writable qcow2 image (16-bit, qemu-img's default) and the allocation of new clusters at the end
 * of the file. Every change goes to the file at once, and always after the cluster it counts holds its contents and
 * before anything points at that cluster; a crash in between leaves a counted, unreferenced cluster, a leak that
 * {@code qemu-img check} reports as harmless. A new refcount block is made durable before the table points at it;
 * a grown refcount table is written in full and made durable before the header points at it.
 */
final class Refcounts {

    private static final int ENTRY_BYTES = 2;

    private final ImageFile file;
    private final int clusterBits;
    private final long clusterSize;
    private final int entriesPerBlock;
    private long tableOffset;
    private long[] table;
    private int tableOnDisk;
    private long end;

    private Refcounts(ImageFile file, int clusterBits, long tableOffset, long[] table, long end) {
        this.file = file;
        this.clusterBits = clusterBits;
        this.clusterSize = 1L << clusterBits;
        this.entriesPerBlock = (int) (clusterSize / ENTRY_BYTES);
        this.tableOffset = tableOffset;
        this.table = table;
        this.tableOnDisk = table.length;
        this.end = end;
    }

    /**
     * Reads the refcount table of an image about to be written and checks its entries.
     *
     * @throws dev.ferry.machine.device.block.BlockBackendException if an entry points outside the file or is not
     *                                                              cluster-aligned
     */
    static Refcounts load(ImageFile file, Qcow2Header h, String name) throws IOException {
        long clusterSize = h.clusterSize();
        long length = file.length();
        long end = (length + clusterSize - 1) & -clusterSize;
        long[] table = new long[(int) (h.refcountTableClusters() * clusterSize / 8)];
        ByteBuffer b = ByteBuffer.allocate(table.length * 8);
        file.read(b, h.refcountTableOffset());
        b.flip();
        for (int i = 0; i < table.length; i++) {
            long e = b.getLong();
            if (e != 0 && ((e & (clusterSize - 1)) != 0 || e < 0 || e + clusterSize > end)) {
                throw Qcow2Header.bad(name, "has refcount table entry " + i + " pointing at an invalid offset 0x"
                        + Long.toHexString(e));
            }
            table[i] = e;
        }
        return new Refcounts(file, h.clusterBits(), h.refcountTableOffset(), table, end);
    }

    /** The refcount of the cluster at {@code offset} as the file holds it (0 when its block is missing). */
    int get(long offset) throws IOException {
        long cluster = offset >>> clusterBits;
        long blockIndex = cluster / entriesPerBlock;
        if (blockIndex >= table.length || table[(int) blockIndex] == 0) {
            return 0;
        }
        ByteBuffer b = ByteBuffer.allocate(ENTRY_BYTES);
        file.read(b, table[(int) blockIndex] + cluster % entriesPerBlock * ENTRY_BYTES);
        return b.getShort(0) & 0xffff;
    }

    /** The table's clusters and every refcount block, as file offsets (for a recount of a dirty image). */
    long[] metadataClusters() {
        long tableClusters = (long) tableOnDisk * 8 / clusterSize;
        return LongStream.concat(LongStream.range(0, tableClusters).map(i -> tableOffset + i * clusterSize),
                Arrays.stream(table).filter(e -> e != 0)).toArray();
    }

    /**
     * True when a guest write may go to the cluster at {@code offset} in place: it lies inside the file and is not
     * the header, the L1 table or the refcount table (a hostile L2 entry could point there).
     */
    boolean writableInPlace(long offset, long l1Offset, long l1Bytes) {
        return offset >= clusterSize && offset + clusterSize <= end
                && !(offset < l1Offset + l1Bytes && l1Offset < offset + clusterSize)
                && !(offset < tableOffset + table.length * 8L && tableOffset < offset + clusterSize);
    }

    /** The next cluster for new contents: the end of the file. Nothing counts it until {@link #set} does. */
    long reserve() {
        long at = end;
        end += clusterSize;
        return at;
    }

    /** Sets the refcount of the cluster at {@code offset} (whose contents are already written) to {@code value}. */
    void set(long offset, int value) throws IOException {
        long cluster = offset >>> clusterBits;
        long blockIndex = cluster / entriesPerBlock;
        int inBlock = (int) (cluster % entriesPerBlock);
        if (blockIndex >= table.length) {
            grow(blockIndex);
        }
        long block = table[(int) blockIndex];
        if (block != 0) {
            ByteBuffer b = ByteBuffer.allocate(ENTRY_BYTES).putShort(0, (short) value);
            file.write(b, block + (long) inBlock * ENTRY_BYTES);
            return;
        }
        long at = reserve();
        ByteBuffer contents = ByteBuffer.allocate((int) clusterSize);
        contents.putShort(inBlock * ENTRY_BYTES, (short) value);
        long own = at >>> clusterBits;
        boolean selfCounted = own / entriesPerBlock == blockIndex;
        if (selfCounted) {
            contents.putShort((int) (own % entriesPerBlock) * ENTRY_BYTES, (short) 1);
        }
        file.write(contents, at);
        if (!selfCounted) {
            set(at, 1);
        }
        file.force();
        if (blockIndex < tableOnDisk) {
            file.write(ByteBuffer.allocate(8).putLong(0, at), tableOffset + blockIndex * 8);
        }
        table[(int) blockIndex] = at;
    }

    /**
     * Moves the refcount table to a bigger one at the end of the file, then frees the old one's clusters. Until the
     * header points at the new table the old one stays in force: a failure before then forgets the bigger table.
     */
    private void grow(long neededIndex) throws IOException {
        long entriesPerCluster = clusterSize / 8;
        long wanted = Math.max(neededIndex + 1, (long) table.length * 2);
        long clusters = (wanted + entriesPerCluster - 1) / entriesPerCluster;
        if (clusters * clusterSize > Qcow2Header.MAX_REFCOUNT_TABLE_BYTES) {
            throw new IOException("qcow2 refcount table would exceed qemu's limit of 8 MiB");
        }
        long oldOffset = tableOffset;
        int oldEntries = tableOnDisk;
        long newOffset = end;
        end += clusters * clusterSize;
        try {
            file.write(ByteBuffer.allocate((int) (clusters * clusterSize)), newOffset);
            table = Arrays.copyOf(table, (int) (clusters * entriesPerCluster));
            for (long i = 0; i < clusters; i++) {
                set(newOffset + i * clusterSize, 1);
            }
            ByteBuffer contents = ByteBuffer.allocate(table.length * 8);
            for (long e : table) {
                contents.putLong(e);
            }
            file.write(contents.flip(), newOffset);
            file.force();
            ByteBuffer field = ByteBuffer.allocate(12).putLong(0, newOffset).putInt(8, (int) clusters);
            file.write(field, Qcow2Header.REFCOUNT_TABLE_FIELD);
        } catch (IOException e) {
            table = Arrays.copyOf(table, oldEntries);
            throw e;
        }
        tableOffset = newOffset;
        tableOnDisk = table.length;
        file.force();
        for (long i = 0; i < oldEntries * 8L / clusterSize; i++) {
            set(oldOffset + i * clusterSize, 0);
        }
    }
}
