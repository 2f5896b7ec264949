package dev.ferry.machine.device.block;

import dev.ferry.machine.memory.PageSupplier;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Objects;

/**
 * The disk a virtio-blk device sees: a {@link BlockBackend} wrapped so that a migration can move it while the guest
 * keeps using it. The disk is cut into {@link #BLOCK_SIZE}-byte blocks, the unit a migration sends.
 *
 * <p>On the source, a dirty log records every block the guest writes (after the write, so a block read for sending
 * before the write lands is sent again). On the target, blocks arrive with {@link #loadBlock} before the VM runs;
 * after a post-copy switchover, blocks not yet arrived are absent: a guest request that touches one asks the
 * {@link PageSupplier} for it and waits until {@link #supplyBlock} delivers it, except a write that covers whole
 * absent blocks, which makes them present without waiting. Every call into the back end holds this object's lock,
 * so the vCPU thread and the migration's threads may use the same disk, whatever the back end.
 */
public final class MovableDisk implements BlockBackend {

    /** Bytes in a block, the unit of dirty logging and transfer (a guest page's size). */
    public static final int BLOCK_SIZE = 4096;
    private static final int SHIFT = 12;
    private static final long WAIT_MILLIS = 50;

    private BlockBackend inner;
    private final long size;
    private final int blocks;
    private BitSet dirty;
    private final BitSet absent = new BitSet();
    private int absentCount;
    private BitSet loaded;
    private PageSupplier supplier;
    private int supplierBase;

    /** Wraps {@code inner}. */
    public MovableDisk(BlockBackend inner) {
        this.inner = Objects.requireNonNull(inner, "inner");
        this.size = inner.size();
        long n = (size + BLOCK_SIZE - 1) >>> SHIFT;
        if (n > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("disk of " + size + " bytes is too large to migrate");
        }
        this.blocks = (int) n;
    }

    /** The back end this disk passes requests to. */
    public synchronized BlockBackend inner() {
        return inner;
    }

    /**
     * Puts {@code replacement} (same size) under the disk, for example an overlay on top of the old back end; the
     * caller closes the old one if it is no longer used. Only while the VM is paused.
     */
    public synchronized void replaceInner(BlockBackend replacement) {
        if (replacement.size() != size) {
            throw new IllegalArgumentException("replacement disk has " + replacement.size() + " bytes, not " + size);
        }
        inner = replacement;
    }

    /** Blocks in the disk; the last may be partly beyond {@link #size()}. */
    public int blocks() {
        return blocks;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public synchronized boolean readOnly() {
        return inner.readOnly();
    }

    // ---------------------------------------------------------------- guest requests

    @Override
    public synchronized void read(long offset, byte[] dst, int dstOff, int len) throws IOException {
        awaitBlocks(offset, len, false);
        inner.read(offset, dst, dstOff, len);
    }

    @Override
    public synchronized void write(long offset, byte[] src, int srcOff, int len) throws IOException {
        awaitBlocks(offset, len, true);
        inner.write(offset, src, srcOff, len);
        written(offset, len);
    }

    @Override
    public synchronized void writeZeroes(long offset, long len) throws IOException {
        awaitBlocks(offset, len, true);
        inner.writeZeroes(offset, len);
        written(offset, len);
    }

    @Override
    public synchronized void flush() throws IOException {
        inner.flush();
    }

    private void written(long offset, long len) {
        if (len <= 0) {
            return;
        }
        int first = (int) (offset >>> SHIFT);
        int last = (int) ((offset + len - 1) >>> SHIFT);
        if (dirty != null) {
            dirty.set(first, last + 1);
        }
        if (loaded != null) {
            loaded.set(first, last + 1);
        }
    }

    /**
     * Makes the blocks of a request present: a write's whole blocks become present at once, any other absent block
     * is asked for and waited for.
     */
    private void awaitBlocks(long offset, long len, boolean write) throws IOException {
        if (absentCount == 0 || len <= 0) {
            return;
        }
        int first = (int) (offset >>> SHIFT);
        int last = (int) ((offset + len - 1) >>> SHIFT);
        for (int b = absent.nextSetBit(first); b >= 0 && b <= last; b = absent.nextSetBit(b + 1)) {
            long start = (long) b << SHIFT;
            long end = Math.min(start + BLOCK_SIZE, size);
            if (write && offset <= start && offset + len >= end) {
                absent.clear(b);
                absentCount--;
                notifyAll();
                continue;
            }
            PageSupplier s = supplier;
            if (s != null) {
                s.pageNeeded(supplierBase + b);
            }
            while (absent.get(b)) {
                try {
                    wait(WAIT_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("disk block " + b + " did not arrive: the VM is shutting down");
                }
            }
        }
    }

    // ---------------------------------------------------------------- source of a migration

    /** Starts logging the blocks the guest writes; the log starts empty. */
    public synchronized void startDirtyLog() {
        dirty = new BitSet(blocks);
    }

    /** Adds the blocks written since the last harvest to {@code into} at {@code base + block} and clears the log. */
    public synchronized void harvestDirty(BitSet into, int base) {
        if (dirty == null) {
            throw new IllegalStateException("the disk's dirty log is off");
        }
        for (int b = dirty.nextSetBit(0); b >= 0; b = dirty.nextSetBit(b + 1)) {
            into.set(base + b);
        }
        dirty.clear();
    }

    /** Stops logging. */
    public synchronized void stopDirtyLog() {
        dirty = null;
    }

    /** Reads block {@code block} into {@code dst} (zeros past the end of the disk). */
    public synchronized void readBlock(int block, byte[] dst) throws IOException {
        long start = blockStart(block);
        int len = (int) Math.min(BLOCK_SIZE, size - start);
        inner.read(start, dst, 0, len);
        if (len < BLOCK_SIZE) {
            Arrays.fill(dst, len, BLOCK_SIZE, (byte) 0);
        }
    }

    // ---------------------------------------------------------------- target of a migration

    /**
     * Declares the disk all zeros (a file the target just created), so that a zero block that never held data
     * is not written: the file stays sparse.
     */
    public synchronized void assumeZero() {
        loaded = new BitSet(blocks);
    }

    /** Stores a block that arrived before the VM runs here; {@code src} {@code null} means zeros. */
    public synchronized void loadBlock(int block, byte[] src) throws IOException {
        long start = blockStart(block);
        int len = (int) Math.min(BLOCK_SIZE, size - start);
        if (src == null) {
            if (loaded == null || loaded.get(block)) {
                inner.writeZeroes(start, len);
            }
        } else {
            inner.write(start, src, 0, len);
            if (loaded != null) {
                loaded.set(block);
            }
        }
        if (absent.get(block)) {
            absent.clear(block);
            absentCount--;
            notifyAll();
        }
    }

    /**
     * Stores a block that arrived after a post-copy switchover, only if it is still absent (the guest may have
     * overwritten it whole meanwhile), and wakes a request waiting for it.
     *
     * @return true when the block was installed
     */
    public synchronized boolean supplyBlock(int block, byte[] src) throws IOException {
        if (!absent.get(block)) {
            return false;
        }
        long start = blockStart(block);
        int len = (int) Math.min(BLOCK_SIZE, size - start);
        if (src == null) {
            if (loaded == null || loaded.get(block)) {
                inner.writeZeroes(start, len);
            }
        } else {
            inner.write(start, src, 0, len);
        }
        absent.clear(block);
        absentCount--;
        notifyAll();
        return true;
    }

    /** Marks the blocks of {@code set} from bit {@code base} on (block {@code b} is bit {@code base + b}) absent. */
    public synchronized void markAbsent(BitSet set, int base) {
        for (int i = set.nextSetBit(base); i >= 0 && i < base + blocks; i = set.nextSetBit(i + 1)) {
            if (!absent.get(i - base)) {
                absent.set(i - base);
                absentCount++;
            }
        }
    }

    /** Who is asked for absent blocks; block {@code b} is asked for as unit {@code base + b}. */
    public synchronized void setSupplier(PageSupplier s, int base) {
        supplier = s;
        supplierBase = base;
    }

    /** Blocks still absent. */
    public synchronized int absentBlocks() {
        return absentCount;
    }

    /** True when block {@code block} is here. */
    public synchronized boolean isPresent(int block) {
        return !absent.get(block);
    }

    private long blockStart(int block) {
        if (block < 0 || block >= blocks) {
            throw new IllegalArgumentException("block " + block + " outside the disk (" + blocks + " blocks)");
        }
        return (long) block << SHIFT;
    }

    @Override
    public synchronized void close() throws IOException {
        absent.clear();
        absentCount = 0;
        notifyAll();
        inner.close();
    }
}
