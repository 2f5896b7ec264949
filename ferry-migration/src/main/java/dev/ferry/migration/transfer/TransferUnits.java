package dev.ferry.migration.transfer;

import dev.ferry.machine.device.block.MovableDisk;
import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.machine.memory.PageSupplier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * Everything one migration moves, numbered as one space of 4 KiB units: guest pages first (unit {@code p} is page
 * {@code p}), then the blocks of each copied disk in drive order. Because a disk block has a page's size, the
 * engine's rounds, dirty harvests, policies, encodings and post-copy faults treat both alike, and a disk's blocks
 * share the bandwidth with the pages; only reading and installing a unit differ. Without copied disks the space is
 * the guest's pages.
 */
public final class TransferUnits {

    private final GuestMemory memory;
    private final int pageCount;
    private final MovableDisk[] disks;
    private final int[] base;
    private final int count;

    /** The pages of {@code memory} followed by the blocks of {@code disks}. */
    public TransferUnits(GuestMemory memory, List<MovableDisk> disks) {
        this.memory = memory;
        this.pageCount = memory.pageCount();
        this.disks = disks.toArray(new MovableDisk[0]);
        this.base = new int[this.disks.length];
        long next = pageCount;
        for (int i = 0; i < this.disks.length; i++) {
            base[i] = (int) next;
            next += this.disks[i].blocks();
            if (next > Integer.MAX_VALUE - 64) {
                throw new IllegalArgumentException("the VM's memory and disks are too large to migrate in one space");
            }
        }
        this.count = (int) next;
    }

    /** The guest's pages only. */
    public static TransferUnits memoryOnly(GuestMemory memory) {
        return new TransferUnits(memory, List.of());
    }

    /** The guest memory. */
    public GuestMemory memory() {
        return memory;
    }

    /** Units in the space: pages plus blocks. */
    public int count() {
        return count;
    }

    /** Guest pages (the first units). */
    public int pageCount() {
        return pageCount;
    }

    /** True when the space holds disk blocks. */
    public boolean hasDisks() {
        return disks.length > 0;
    }

    /** True when unit {@code u} is a disk block. */
    public boolean isBlock(int u) {
        return u >= pageCount;
    }

    private int diskOf(int u) {
        int i = disks.length - 1;
        while (base[i] > u) {
            i--;
        }
        return i;
    }

    // ---------------------------------------------------------------- source

    /** Starts the dirty logs of the disks. */
    public void startDiskLogs() {
        for (MovableDisk d : disks) {
            d.startDirtyLog();
        }
    }

    /** Adds the disk blocks written since the last harvest to {@code into}. */
    public void harvestDisks(BitSet into) {
        for (int i = 0; i < disks.length; i++) {
            disks[i].harvestDirty(into, base[i]);
        }
    }

    /** Stops the dirty logs of the disks. */
    public void stopDiskLogs() {
        for (MovableDisk d : disks) {
            d.stopDirtyLog();
        }
    }

    /** Sets every disk unit in {@code set} (a disk's blocks all go in the first round). */
    public void addAllBlocks(BitSet set) {
        if (count > pageCount) {
            set.set(pageCount, count);
        }
    }

    /**
     * Reads disk unit {@code u} into {@code dst}.
     *
     * @throws UncheckedIOException when the disk cannot be read (the migration fails; the VM keeps its disk)
     */
    public void readBlock(int u, byte[] dst) {
        int i = diskOf(u);
        try {
            disks[i].readBlock(u - base[i], dst);
        } catch (IOException e) {
            throw new UncheckedIOException("reading disk " + i + " for the migration: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- target

    /**
     * Stores disk unit {@code u}: before switchover always, after a post-copy switchover only if still absent.
     * {@code data} {@code null} means zeros.
     *
     * @return true when it was installed
     */
    public boolean installBlock(int u, byte[] data, boolean postcopy) {
        int i = diskOf(u);
        try {
            if (postcopy) {
                return disks[i].supplyBlock(u - base[i], data);
            }
            disks[i].loadBlock(u - base[i], data);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("writing disk " + i + " of the arriving VM: " + e.getMessage(), e);
        }
    }

    /** Marks the units of {@code absent} not present: pages in memory, blocks in their disks. */
    public void markAbsent(BitSet absent, PageSupplier supplier) {
        long[] words = absent.get(0, pageCount).toLongArray();
        memory.markNotPresent(Arrays.copyOf(words, (pageCount + 63) >>> 6));
        for (int i = 0; i < disks.length; i++) {
            disks[i].markAbsent(absent, base[i]);
            disks[i].setSupplier(supplier, base[i]);
        }
    }

    /** Units not present here: absent pages and absent blocks. */
    public long absentUnits() {
        long n = memory.absentPages();
        for (MovableDisk d : disks) {
            n += d.absentBlocks();
        }
        return n;
    }

    /** True when unit {@code u} is here. */
    public boolean isPresent(int u) {
        if (u < pageCount) {
            return memory.isPresent(u);
        }
        int i = diskOf(u);
        return disks[i].isPresent(u - base[i]);
    }

    /** Stops asking for absent blocks (every unit is here). */
    public void clearSuppliers() {
        for (MovableDisk d : disks) {
            d.setSupplier(null, 0);
        }
    }

    /** Makes the disk blocks received durable. */
    public void flushDisks() throws IOException {
        for (MovableDisk d : disks) {
            d.flush();
        }
    }
}
