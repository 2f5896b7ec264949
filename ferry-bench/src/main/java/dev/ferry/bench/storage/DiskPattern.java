package dev.ferry.bench.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * What a benchmark disk holds before its VM boots: each 4 KiB block either incompressible bytes that depend only on
 * its index, or zeros (a hole in the file), the share of data blocks being {@code fill}. Both systems start from
 * copies of one such file, and a target's disk is checked block by block against it.
 */
final class DiskPattern {

    private static final long SEED = 0x9e3779b97f4a7c15L;

    private final long blocks;
    private final double fill;

    /**
     * @param bytes the disk's size, a multiple of 4 KiB
     * @param fill  the share of blocks holding data, 0 to 1
     */
    DiskPattern(long bytes, double fill) {
        if (bytes <= 0 || bytes % DiskWriter.BLOCK != 0) {
            throw new IllegalArgumentException("a disk is a positive multiple of 4 KiB, not " + bytes + " bytes");
        }
        if (!(fill >= 0 && fill <= 1)) {
            throw new IllegalArgumentException("the fill is a share from 0 to 1, not " + fill);
        }
        this.blocks = bytes / DiskWriter.BLOCK;
        this.fill = fill;
    }

    /** The disk's size in bytes. */
    long bytes() {
        return blocks * DiskWriter.BLOCK;
    }

    /** The disk's size in 4 KiB blocks. */
    long blocks() {
        return blocks;
    }

    /** True when block {@code index} holds data rather than zeros. */
    boolean holdsData(long index) {
        if (fill >= 1) {
            return true;
        }
        long h = new SplittableRandom(SEED ^ index).nextLong();
        return (h >>> 11) * 0x1.0p-53 < fill;
    }

    /** Puts block {@code index}'s 4 KiB at {@code into}'s position (and advances it). */
    void block(long index, ByteBuffer into) {
        ByteBuffer b = into.order(ByteOrder.LITTLE_ENDIAN);
        if (!holdsData(index)) {
            for (int i = 0; i < DiskWriter.BLOCK / Long.BYTES; i++) {
                b.putLong(0);
            }
            return;
        }
        SplittableRandom r = new SplittableRandom(SEED + index * 0xbf58476d1ce4e5b9L);
        for (int i = 0; i < DiskWriter.BLOCK / Long.BYTES; i++) {
            b.putLong(r.nextLong());
        }
    }

    /** Writes the disk as a new file at {@code file} (replacing one there): its data blocks, holes elsewhere. */
    void write(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(DiskWriter.BLOCK);
            for (long i = 0; i < blocks; i++) {
                if (holdsData(i)) {
                    buf.clear();
                    block(i, buf);
                    buf.flip();
                    long at = i * DiskWriter.BLOCK;
                    while (buf.hasRemaining()) {
                        at += ch.write(buf, at);
                    }
                }
            }
            ch.truncate(bytes());
            if (ch.size() < bytes()) {
                ch.write(ByteBuffer.allocate(1), bytes() - 1);
            }
            ch.force(true);
        }
    }
}
