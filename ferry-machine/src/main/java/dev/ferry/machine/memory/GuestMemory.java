package dev.ferry.machine.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Guest RAM, off the Java heap: one anonymous mapping ({@link AnonymousMapping}) the kernel fills lazily, so a
 * guest costs only the pages it touched and the garbage collector never scans or moves guest memory. Around it
 * live the hypervisor-side views migration needs — a dirty log, pages the guest reported free, pages not yet
 * present (whose access blocks the vCPU until a {@link PageSupplier} provides them).
 *
 * <p>The load/store fast path is one flag test and one memory access. A byte of access flags per page makes that
 * possible: {@code READ} (the page is present and this vCPU has seen it so) and {@code WRITE} (the slow path has
 * done all write-side bookkeeping for the current dirty-log round: marking the page touched and dirty,
 * clearing a free hint, telling the code cache). Harvesting the dirty log clears the harvested pages'
 * {@code WRITE} flags, so a clean page costs nothing extra on the store path (the TinyEMU trick).
 *
 * <p>Threading: loads, stores and the dirty log run on the vCPU thread or while it is stopped; {@link #supplyPage}
 * and the page readers may be called from any thread. Pages that arrive from another thread become readable on
 * the vCPU through its slow path, which takes the arrival lock, so the fast path never reads a page whose
 * contents it has not been ordered after.
 */
public final class GuestMemory implements AutoCloseable {

    /** log2 of the page size. */
    public static final int PAGE_SHIFT = 12;
    /** Page size in bytes. */
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    /** Mask of the offset within a page. */
    public static final int PAGE_MASK = PAGE_SIZE - 1;

    private static final ValueLayout.OfShort I16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final long base;
    private final long size;
    private final int pageCount;
    private final AnonymousMapping mapping;
    private final MemorySegment ram;

    /** Access flag: the page is present and seen so by the vCPU, loads may take the fast path. */
    private static final byte READ = 1;
    /** Access flag: the write bookkeeping of this round is done, stores may take the fast path. */
    private static final byte WRITE = 2;

    /** {@link #READ} and {@link #WRITE} per page. vCPU thread or vCPU stopped (a lost update only costs a slow path). */
    private final byte[] access;
    private final TouchedPages touched;
    private final DirtyPages dirty;
    private final long[] absent;
    private final long[] freeHint;
    private final long[] codePages;

    private volatile DirtyLog dirtyLogClaim;
    private volatile int absentPages;
    private CodeWriteListener codeListener = page -> { };
    private PageSupplier supplier;

    private final ReentrantLock arrivalLock = new ReentrantLock();
    private final Condition arrived = arrivalLock.newCondition();

    /**
     * Maps zero-filled RAM of {@code size} bytes at guest-physical address {@code base}. Release it with
     * {@link #close()} (an unreachable instance is unmapped by a cleaner as a last resort).
     *
     * @throws IllegalArgumentException if base or size is not page-aligned, or size is not positive
     */
    public GuestMemory(long base, long size) {
        this(base, size, null);
    }

    /**
     * Maps a clone's RAM: the contents of {@code snapshot}, shared with every other memory mapped from it until
     * written ({@link RamSnapshot}). The pages that held data count as touched, the views start empty.
     *
     * @throws IllegalStateException if the kernel refuses the mapping
     */
    public GuestMemory(RamSnapshot snapshot) {
        this(snapshot.base(), snapshot.size(), snapshot.file());
        for (int page = 0; page < pageCount; page++) {
            if (snapshot.holdsData(page)) {
                touched.mark(page);
            }
        }
    }

    private GuestMemory(long base, long size, MemoryFile file) {
        if ((base & PAGE_MASK) != 0 || (size & PAGE_MASK) != 0 || size <= 0) {
            throw new IllegalArgumentException("RAM base and size must be positive multiples of 4 KiB");
        }
        if ((size >>> PAGE_SHIFT) > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("RAM too large: " + size + " bytes");
        }
        this.base = base;
        this.size = size;
        this.pageCount = (int) (size >>> PAGE_SHIFT);
        int words = (pageCount + 63) >>> 6;
        this.access = new byte[pageCount];
        this.touched = new TouchedPages(pageCount);
        this.dirty = new DirtyPages(pageCount);
        this.absent = new long[words];
        this.freeHint = new long[words];
        this.codePages = new long[words];
        Arrays.fill(access, READ);
        this.mapping = new AnonymousMapping(this, size, file);
        this.ram = mapping.segment();
    }

    /** The mapped RAM, for a snapshot's copy. */
    MemorySegment segment() {
        return ram;
    }

    /** Guest-physical address of the first byte. */
    public long base() {
        return base;
    }

    /** Size in bytes. */
    public long size() {
        return size;
    }

    /** Number of 4 KiB pages. */
    public int pageCount() {
        return pageCount;
    }

    /** True when {@code [addr, addr+len)} lies inside RAM. */
    public boolean contains(long addr, int len) {
        long off = addr - base;
        return off >= 0 && off <= size - len;
    }

    /** Page index of a guest-physical address inside RAM. */
    public int pageIndex(long addr) {
        return (int) ((addr - base) >>> PAGE_SHIFT);
    }

    // ---------------------------------------------------------------- fast path (caller checks contains())

    private boolean isReadable(long off) {
        return (access[(int) (off >>> PAGE_SHIFT)] & READ) != 0;
    }

    private boolean isWritable(long off) {
        return (access[(int) (off >>> PAGE_SHIFT)] & WRITE) != 0;
    }

    /** Loads a byte, zero-extended. */
    public int load8(long addr) {
        long off = addr - base;
        if (!isReadable(off)) {
            return (int) slowLoad(off, 1);
        }
        return ram.get(ValueLayout.JAVA_BYTE, off) & 0xff;
    }

    /** Loads a little-endian 16-bit value, zero-extended. */
    public int load16(long addr) {
        long off = addr - base;
        if (!isReadable(off) || (off & PAGE_MASK) > PAGE_SIZE - 2) {
            return (int) slowLoad(off, 2);
        }
        return ram.get(I16, off) & 0xffff;
    }

    /** Loads a little-endian 32-bit value. */
    public int load32(long addr) {
        long off = addr - base;
        if (!isReadable(off) || (off & PAGE_MASK) > PAGE_SIZE - 4) {
            return (int) slowLoad(off, 4);
        }
        return ram.get(I32, off);
    }

    /** Loads a little-endian 64-bit value. */
    public long load64(long addr) {
        long off = addr - base;
        if (!isReadable(off) || (off & PAGE_MASK) > PAGE_SIZE - 8) {
            return slowLoad(off, 8);
        }
        return ram.get(I64, off);
    }

    /** Stores the low byte of {@code v}. */
    public void store8(long addr, int v) {
        long off = addr - base;
        if (!isWritable(off)) {
            slowStore(off, 1, v);
            return;
        }
        ram.set(ValueLayout.JAVA_BYTE, off, (byte) v);
    }

    /** Stores the low 16 bits of {@code v}, little-endian. */
    public void store16(long addr, int v) {
        long off = addr - base;
        if (!isWritable(off) || (off & PAGE_MASK) > PAGE_SIZE - 2) {
            slowStore(off, 2, v);
            return;
        }
        ram.set(I16, off, (short) v);
    }

    /** Stores a 32-bit value, little-endian. */
    public void store32(long addr, int v) {
        long off = addr - base;
        if (!isWritable(off) || (off & PAGE_MASK) > PAGE_SIZE - 4) {
            slowStore(off, 4, v);
            return;
        }
        ram.set(I32, off, v);
    }

    /** Stores a 64-bit value, little-endian. */
    public void store64(long addr, long v) {
        long off = addr - base;
        if (!isWritable(off) || (off & PAGE_MASK) > PAGE_SIZE - 8) {
            slowStore(off, 8, v);
            return;
        }
        ram.set(I64, off, v);
    }

    /** Loads {@code width} bytes (1, 2, 4 or 8), zero-extended; any alignment. */
    public long load(long addr, int width) {
        return switch (width) {
            case 1 -> load8(addr);
            case 2 -> load16(addr);
            case 4 -> load32(addr) & 0xffff_ffffL;
            case 8 -> load64(addr);
            default -> throw new IllegalArgumentException("width " + width);
        };
    }

    /** Stores the low {@code width} bytes (1, 2, 4 or 8) of {@code v}; any alignment. */
    public void store(long addr, int width, long v) {
        switch (width) {
            case 1 -> store8(addr, (int) v);
            case 2 -> store16(addr, (int) v);
            case 4 -> store32(addr, (int) v);
            case 8 -> store64(addr, v);
            default -> throw new IllegalArgumentException("width " + width);
        }
    }

    // ---------------------------------------------------------------- slow path

    private long slowLoad(long off, int width) {
        int page = (int) (off >>> PAGE_SHIFT);
        makeReadable(page);
        if ((off & PAGE_MASK) <= PAGE_SIZE - width) {
            return switch (width) {
                case 1 -> ram.get(ValueLayout.JAVA_BYTE, off) & 0xff;
                case 2 -> ram.get(I16, off) & 0xffff;
                case 4 -> ram.get(I32, off) & 0xffff_ffffL;
                default -> ram.get(I64, off);
            };
        }
        makeReadable(page + 1);
        long v = 0;
        for (int i = 0; i < width; i++) {
            v |= (ram.get(ValueLayout.JAVA_BYTE, off + i) & 0xffL) << (8 * i);
        }
        return v;
    }

    private void slowStore(long off, int width, long v) {
        int page = (int) (off >>> PAGE_SHIFT);
        makeWritable(page);
        if ((off & PAGE_MASK) <= PAGE_SIZE - width) {
            switch (width) {
                case 1 -> ram.set(ValueLayout.JAVA_BYTE, off, (byte) v);
                case 2 -> ram.set(I16, off, (short) v);
                case 4 -> ram.set(I32, off, (int) v);
                default -> ram.set(I64, off, v);
            }
            return;
        }
        makeWritable(page + 1);
        for (int i = 0; i < width; i++) {
            ram.set(ValueLayout.JAVA_BYTE, off + i, (byte) (v >>> (8 * i)));
        }
    }

    /** Waits for an absent page and opens it for fast loads on this thread. */
    private void makeReadable(int page) {
        if ((access[page] & READ) == 0) {
            awaitPage(page);
            access[page] |= READ;
        }
    }

    /** Does the write-side bookkeeping of a page for this round and opens it for fast stores. */
    private void makeWritable(int page) {
        if ((access[page] & WRITE) != 0) {
            return;
        }
        makeReadable(page);
        int w = page >>> 6;
        long bit = 1L << page;
        touched.mark(page);
        if ((codePages[w] & bit) != 0) {
            codePages[w] &= ~bit;
            codeListener.codeModified(page);
        }
        freeHint[w] &= ~bit;
        dirty.mark(page);
        access[page] = READ | WRITE;
    }

    /**
     * Blocks the calling vCPU until an absent page arrives; asks the supplier for it first. An interrupt
     * ends the wait with {@link PageUnavailableException} (the VM is being shut down).
     */
    private void awaitPage(int page) {
        arrivalLock.lock();
        try {
            if (isPresent(page)) {
                return;
            }
        } finally {
            arrivalLock.unlock();
        }
        PageSupplier s = supplier;
        if (s != null) {
            s.pageNeeded(page);
        }
        arrivalLock.lock();
        try {
            while (!isPresent(page)) {
                if (s == null) {
                    throw new IllegalStateException("page " + page + " is not present and no supplier is set");
                }
                try {
                    arrived.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new PageUnavailableException(page);
                }
            }
        } finally {
            arrivalLock.unlock();
        }
    }

    // ---------------------------------------------------------------- host-side bulk access

    /** Copies guest bytes into {@code dst}; blocks on absent pages like a guest load would. */
    public void readBytes(long addr, byte[] dst, int dstOff, int len) {
        checkRange(addr, len);
        long off = addr - base;
        while (len > 0) {
            int n = Math.min(len, PAGE_SIZE - ((int) off & PAGE_MASK));
            makeReadable((int) (off >>> PAGE_SHIFT));
            MemorySegment.copy(ram, ValueLayout.JAVA_BYTE, off, dst, dstOff, n);
            off += n;
            dstOff += n;
            len -= n;
        }
    }

    /** Writes bytes into guest RAM as a store would: marks touched and dirty, invalidates cached code. */
    public void writeBytes(long addr, byte[] src, int srcOff, int len) {
        checkRange(addr, len);
        long off = addr - base;
        while (len > 0) {
            int n = Math.min(len, PAGE_SIZE - ((int) off & PAGE_MASK));
            makeWritable((int) (off >>> PAGE_SHIFT));
            MemorySegment.copy(src, srcOff, ram, ValueLayout.JAVA_BYTE, off, n);
            off += n;
            srcOff += n;
            len -= n;
        }
    }

    private void checkRange(long addr, int len) {
        if (len < 0 || !contains(addr, len)) {
            throw new IndexOutOfBoundsException(String.format("[0x%x, +%d) is outside RAM", addr, len));
        }
    }

    /**
     * A read-only view of one page's bytes in place (zeros for a page never written or not present). The view
     * is live: its contents are racy while the vCPU runs, and it fails once the memory is closed.
     */
    public MemorySegment page(int page) {
        Objects.checkIndex(page, pageCount);
        return ram.asSlice((long) page << PAGE_SHIFT, PAGE_SIZE).asReadOnly();
    }

    /** Copies one page into {@code dst} at {@code dstOff} (zeros for a never-written or absent page). */
    public void copyPage(int page, byte[] dst, int dstOff) {
        Objects.checkIndex(page, pageCount);
        MemorySegment.copy(ram, ValueLayout.JAVA_BYTE, (long) page << PAGE_SHIFT, dst, dstOff, PAGE_SIZE);
    }

    /** True when the page was written since it last was zero (it may hold data). */
    public boolean isAllocated(int page) {
        return touched.contains(page);
    }

    /** True when the page holds only zero bytes (a never-written page does). */
    public boolean isZeroPage(int page) {
        Objects.checkIndex(page, pageCount);
        if (!isAllocated(page)) {
            return true;
        }
        long off = (long) page << PAGE_SHIFT;
        return ZeroPage.isZero(ram, off);
    }

    /** Number of pages written at least once (resident memory). */
    public int allocatedPages() {
        return touched.count();
    }

    /** The pages written at least once, as a set. vCPU stopped or at a safepoint for an exact answer. */
    public DirtyBitmap allocatedSet() {
        return touched.snapshot();
    }

    /**
     * Replaces all contents with zero pages and clears every view (dirty log, hints, absent pages); the memory
     * goes back to the kernel. vCPU stopped only.
     */
    public void clear() {
        arrivalLock.lock();
        try {
            mapping.discard(0, size);
            Arrays.fill(absent, 0);
            absentPages = 0;
            Arrays.fill(access, READ);
            arrived.signalAll();
        } finally {
            arrivalLock.unlock();
        }
        dirty.clear();
        Arrays.fill(freeHint, 0);
        touched.clear();
        for (int w = 0; w < codePages.length; w++) {
            long bits = codePages[w];
            codePages[w] = 0;
            while (bits != 0) {
                int page = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                codeListener.codeModified(page);
            }
        }
    }

    /**
     * Installs a whole page as if written by the host (state restore, pre-copy target): no dirty mark. An
     * all-zero page goes back to the kernel. An absent page becomes present with these contents, so a later
     * {@link #supplyPage} leaves it alone. vCPU stopped only.
     */
    public void loadPage(int page, byte[] src, int srcOff) {
        Objects.checkFromIndexSize(srcOff, PAGE_SIZE, src.length);
        loadPage(page, MemorySegment.ofArray(src).asSlice(srcOff, PAGE_SIZE));
    }

    /** {@link #loadPage(int, byte[], int)} from a segment of {@link #PAGE_SIZE} bytes. */
    public void loadPage(int page, MemorySegment src) {
        Objects.checkIndex(page, pageCount);
        boolean zero = ZeroPage.isZero(src);
        arrivalLock.lock();
        try {
            install(page, zero ? null : src);
            int w = page >>> 6;
            long bit = 1L << page;
            if ((absent[w] & bit) != 0) {
                absent[w] &= ~bit;
                absentPages--;
            }
            access[page] = READ;
            arrived.signalAll();
        } finally {
            arrivalLock.unlock();
        }
        dropCode(page);
    }

    /** Puts {@code src} (or zeros for {@code null}) into a page's memory and keeps the touched view right. */
    private void install(int page, MemorySegment src) {
        long off = (long) page << PAGE_SHIFT;
        if (src == null) {
            if (isAllocated(page)) {
                mapping.discard(off, PAGE_SIZE);
                touched.unmark(page);
            }
        } else {
            MemorySegment.copy(src, 0, ram, off, PAGE_SIZE);
            touched.mark(page);
        }
    }

    // ---------------------------------------------------------------- code cache coherence

    /** Registers the single listener told when a page holding decoded code is written. */
    public void setCodeWriteListener(CodeWriteListener listener) {
        this.codeListener = Objects.requireNonNull(listener);
    }

    /** Marks a page as holding decoded code: its next write takes the slow path and notifies the listener. */
    public void watchCode(int page) {
        int w = page >>> 6;
        long bit = 1L << page;
        codePages[w] |= bit;
        access[page] &= ~WRITE;
    }

    private void dropCode(int page) {
        int w = page >>> 6;
        long bit = 1L << page;
        if ((codePages[w] & bit) != 0) {
            codePages[w] &= ~bit;
            codeListener.codeModified(page);
        }
    }

    // ---------------------------------------------------------------- dirty log

    /**
     * Claims the dirty log for {@code owner} and switches logging on with an empty log. vCPU stopped or at a
     * safepoint.
     *
     * @throws IllegalStateException when another owner holds it
     */
    public DirtyLog claimDirtyLog(String owner) {
        Objects.requireNonNull(owner, "owner");
        if (dirtyLogClaim != null) {
            throw new IllegalStateException("the dirty log is in use by " + dirtyLogClaim.owner());
        }
        setDirtyLogging(true);
        dirtyLogClaim = new DirtyLog(this, owner);
        return dirtyLogClaim;
    }

    /** Who holds the dirty log, or {@code null}. */
    public String dirtyLogOwner() {
        DirtyLog claim = dirtyLogClaim;
        return claim == null ? null : claim.owner();
    }

    void releaseDirtyLog(DirtyLog claim) {
        if (dirtyLogClaim == claim) {
            dirtyLogClaim = null;
            setDirtyLogging(false);
        }
    }

    /** Turns dirty logging on or off. Turning it on starts with an empty log. vCPU stopped or safepoint. */
    void setDirtyLogging(boolean on) {
        if (on && !dirty.logging()) {
            for (int p = 0; p < pageCount; p++) {
                access[p] &= ~WRITE;
            }
        }
        dirty.setLogging(on);
    }

    /** True while dirty logging is on. */
    public boolean dirtyLogging() {
        return dirty.logging();
    }

    /**
     * Returns the pages written since the previous call (or since logging was turned on) and starts a new
     * round: the log is cleared and dirty pages lose fast write access. Costs in proportion to the dirty pages
     * (plus one bit per 64 pages of RAM). vCPU stopped or at a safepoint, so no store can slip between.
     */
    DirtyBitmap fetchAndClearDirtyLog() {
        return dirty.harvest(page -> access[page] &= ~WRITE);
    }

    // ---------------------------------------------------------------- free page hints

    /** Records that the guest reported a page free: its contents need not be migrated until written again. */
    public void reportFree(int page) {
        int w = page >>> 6;
        long bit = 1L << page;
        freeHint[w] |= bit;
        access[page] &= ~WRITE;
    }

    /** True when the guest reported the page free and has not written it since. */
    public boolean isReportedFree(int page) {
        return (freeHint[page >>> 6] & (1L << page)) != 0;
    }

    // ---------------------------------------------------------------- pages not yet present (post-copy)

    /** Sets who is asked for absent pages; may be {@code null} when no page is absent. */
    public void setPageSupplier(PageSupplier supplier) {
        this.supplier = supplier;
    }

    /** Marks a page not present: its contents are dropped and the next access blocks until supplied. vCPU stopped. */
    public void markNotPresent(int page) {
        Objects.checkIndex(page, pageCount);
        long[] words = new long[(pageCount + 63) >>> 6];
        words[page >>> 6] = 1L << page;
        markNotPresent(words);
    }

    /**
     * Marks every page whose bit is set in {@code words} (bit {@code p} = page {@code p}) not present, as
     * {@link #markNotPresent(int)} does, returning runs of touched pages to the kernel in one call each. vCPU
     * stopped.
     *
     * @throws IllegalArgumentException if a bit names a page outside RAM
     */
    public void markNotPresent(long[] words) {
        int last = words.length - 1;
        while (last >= 0 && words[last] == 0) {
            last--;
        }
        if (last >= 0 && (last << 6) + 63 - Long.numberOfLeadingZeros(words[last]) >= pageCount) {
            throw new IllegalArgumentException("page bitmap names pages outside RAM (" + pageCount + " pages)");
        }
        arrivalLock.lock();
        try {
            int runStart = -1;
            int runEnd = -1;
            for (int w = 0; w <= last; w++) {
                long newly = words[w] & ~absent[w];
                if (newly == 0) {
                    continue;
                }
                for (long b = newly & (touched.word(w) | codePages[w]); b != 0; b &= b - 1) {
                    int page = (w << 6) + Long.numberOfTrailingZeros(b);
                    if (isAllocated(page)) {
                        if (page != runEnd) {
                            discardRun(runStart, runEnd);
                            runStart = page;
                        }
                        runEnd = page + 1;
                        touched.unmark(page);
                    }
                    dropCode(page);
                }
                absent[w] |= newly;
                absentPages += Long.bitCount(newly);
                if (newly == -1L) {
                    Arrays.fill(access, w << 6, (w << 6) + 64, (byte) 0);
                } else {
                    for (long b = newly; b != 0; b &= b - 1) {
                        access[(w << 6) + Long.numberOfTrailingZeros(b)] = 0;
                    }
                }
            }
            discardRun(runStart, runEnd);
        } finally {
            arrivalLock.unlock();
        }
    }

    private void discardRun(int from, int to) {
        if (from >= 0 && to > from) {
            mapping.discard((long) from << PAGE_SHIFT, (long) (to - from) << PAGE_SHIFT);
        }
    }

    /** True when the page is present. */
    public boolean isPresent(int page) {
        return (absent[page >>> 6] & (1L << page)) == 0;
    }

    /** Number of pages not yet present. */
    public int absentPages() {
        return absentPages;
    }

    /**
     * Provides the contents of an absent page ({@code null} means all zero) and wakes a vCPU waiting for it.
     * A page that is already present is left as it is (the guest may have written it since).
     *
     * @return true when the page was installed
     */
    public boolean supplyPage(int page, byte[] src, int srcOff) {
        return supplyPage(page, src == null ? null : MemorySegment.ofArray(src).asSlice(srcOff, PAGE_SIZE));
    }

    /** {@link #supplyPage(int, byte[], int)} from a segment of {@link #PAGE_SIZE} bytes ({@code null}: zeros). */
    public boolean supplyPage(int page, MemorySegment src) {
        Objects.checkIndex(page, pageCount);
        arrivalLock.lock();
        try {
            int w = page >>> 6;
            long bit = 1L << page;
            if ((absent[w] & bit) == 0) {
                return false;
            }
            if (src != null && !ZeroPage.isZero(src)) {
                install(page, src);
            }
            absent[w] &= ~bit;
            absentPages--;
            arrived.signalAll();
            return true;
        } finally {
            arrivalLock.unlock();
        }
    }

    /**
     * Unmaps the RAM. Later accesses fail with {@link IllegalStateException}. Call once nothing runs on it any
     * more (vCPU ended, migrations done). Idempotent.
     */
    @Override
    public void close() {
        mapping.close();
    }
}
