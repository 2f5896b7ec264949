package dev.ferry.machine.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Guest RAM: sparse 4 KiB pages, allocated on first write, plus the hypervisor-side views that migration
 * needs — a dirty log, per-page write history, pages the guest reported free, and pages not yet present
 * (whose access blocks the vCPU until a {@link PageSupplier} provides them).
 *
 * <p>The load/store fast path is one array load and a null check. Two page tables make that possible:
 * {@code readable} maps a page to its bytes (the shared zero page for a never-written page, {@code null} for a
 * page that is not present), and {@code writable} maps it to its bytes only once the slow path has done all
 * write-side bookkeeping for the current dirty-log round: allocation, marking dirty, clearing a free hint and
 * telling the code cache. Harvesting the dirty log drops the dirty pages from {@code writable}, so a clean page
 * costs nothing extra on the store path (the TinyEMU trick).
 *
 * <p>Threading: loads, stores and all dirty-log operations run on the vCPU thread or while it is stopped;
 * {@link #supplyPage} and the page readers may be called from any thread.
 */
public final class GuestMemory {

    /** log2 of the page size. */
    public static final int PAGE_SHIFT = 12;
    /** Page size in bytes. */
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    /** Mask of the offset within a page. */
    public static final int PAGE_MASK = PAGE_SIZE - 1;

    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle TABLE = MethodHandles.arrayElementVarHandle(byte[][].class);
    private static final byte[] ZERO_PAGE = new byte[PAGE_SIZE];

    private final long base;
    private final long size;
    private final int pageCount;

    /** Backing bytes of allocated pages; {@code null} for a zero (never written) or absent page. */
    private final byte[][] pages;
    /**
     * Fast read table: {@code pages[page]}, {@link #ZERO_PAGE} when that is {@code null}, or {@code null} when
     * the page is not present.
     */
    private final byte[][] readable;
    /** Fast write table: page bytes once write bookkeeping for this round is done, else {@code null}. */
    private final byte[][] writable;

    private final long[] dirty;
    private final long[] absent;
    private final long[] freeHint;
    private final long[] codePages;
    private final long[] history;

    private boolean dirtyLogging;
    private final AtomicInteger allocatedPages = new AtomicInteger();
    private volatile int absentPages;
    private CodeWriteListener codeListener = page -> { };
    private PageSupplier supplier;

    private final ReentrantLock arrivalLock = new ReentrantLock();
    private final Condition arrived = arrivalLock.newCondition();

    /**
     * Creates zero-filled RAM of {@code size} bytes at guest-physical address {@code base}.
     *
     * @throws IllegalArgumentException if base or size is not page-aligned, or size is not positive
     */
    public GuestMemory(long base, long size) {
        if ((base & PAGE_MASK) != 0 || (size & PAGE_MASK) != 0 || size <= 0) {
            throw new IllegalArgumentException("RAM base and size must be positive multiples of 4 KiB");
        }
        if ((size >>> PAGE_SHIFT) > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("RAM too large: " + size + " bytes");
        }
        this.base = base;
        this.size = size;
        this.pageCount = (int) (size >>> PAGE_SHIFT);
        this.pages = new byte[pageCount][];
        this.readable = new byte[pageCount][];
        this.writable = new byte[pageCount][];
        Arrays.fill(readable, ZERO_PAGE);
        int words = (pageCount + 63) >>> 6;
        this.dirty = new long[words];
        this.absent = new long[words];
        this.freeHint = new long[words];
        this.codePages = new long[words];
        this.history = new long[pageCount];
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

    /** Loads a byte, zero-extended. */
    public int load8(long addr) {
        long off = addr - base;
        byte[] p = readable[(int) (off >>> PAGE_SHIFT)];
        if (p == null) {
            return (int) slowLoad(addr, 1);
        }
        return p[(int) off & PAGE_MASK] & 0xff;
    }

    /** Loads a little-endian 16-bit value, zero-extended. */
    public int load16(long addr) {
        long off = addr - base;
        int po = (int) off & PAGE_MASK;
        byte[] p = readable[(int) (off >>> PAGE_SHIFT)];
        if (p == null || po > PAGE_SIZE - 2) {
            return (int) slowLoad(addr, 2);
        }
        return (short) I16.get(p, po) & 0xffff;
    }

    /** Loads a little-endian 32-bit value. */
    public int load32(long addr) {
        long off = addr - base;
        int po = (int) off & PAGE_MASK;
        byte[] p = readable[(int) (off >>> PAGE_SHIFT)];
        if (p == null || po > PAGE_SIZE - 4) {
            return (int) slowLoad(addr, 4);
        }
        return (int) I32.get(p, po);
    }

    /** Loads a little-endian 64-bit value. */
    public long load64(long addr) {
        long off = addr - base;
        int po = (int) off & PAGE_MASK;
        byte[] p = readable[(int) (off >>> PAGE_SHIFT)];
        if (p == null || po > PAGE_SIZE - 8) {
            return slowLoad(addr, 8);
        }
        return (long) I64.get(p, po);
    }

    /** Stores the low byte of {@code v}. */
    public void store8(long addr, int v) {
        long off = addr - base;
        byte[] p = writable[(int) (off >>> PAGE_SHIFT)];
        if (p == null) {
            slowStore(addr, 1, v);
            return;
        }
        p[(int) off & PAGE_MASK] = (byte) v;
    }

    /** Stores the low 16 bits of {@code v}, little-endian. */
    public void store16(long addr, int v) {
        long off = addr - base;
        int po = (int) off & PAGE_MASK;
        byte[] p = writable[(int) (off >>> PAGE_SHIFT)];
        if (p == null || po > PAGE_SIZE - 2) {
            slowStore(addr, 2, v);
            return;
        }
        I16.set(p, po, (short) v);
    }

    /** Stores a 32-bit value, little-endian. */
    public void store32(long addr, int v) {
        long off = addr - base;
        int po = (int) off & PAGE_MASK;
        byte[] p = writable[(int) (off >>> PAGE_SHIFT)];
        if (p == null || po > PAGE_SIZE - 4) {
            slowStore(addr, 4, v);
            return;
        }
        I32.set(p, po, v);
    }

    /** Stores a 64-bit value, little-endian. */
    public void store64(long addr, long v) {
        long off = addr - base;
        int po = (int) off & PAGE_MASK;
        byte[] p = writable[(int) (off >>> PAGE_SHIFT)];
        if (p == null || po > PAGE_SIZE - 8) {
            slowStore(addr, 8, v);
            return;
        }
        I64.set(p, po, v);
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

    private long slowLoad(long addr, int width) {
        long off = addr - base;
        int page = (int) (off >>> PAGE_SHIFT);
        int po = (int) off & PAGE_MASK;
        byte[] p = readablePage(page);
        if (po <= PAGE_SIZE - width) {
            return switch (width) {
                case 1 -> p[po] & 0xff;
                case 2 -> (short) I16.get(p, po) & 0xffff;
                case 4 -> (int) I32.get(p, po) & 0xffff_ffffL;
                default -> (long) I64.get(p, po);
            };
        }
        byte[] next = readablePage(page + 1);
        long v = 0;
        for (int i = 0; i < width; i++, po++) {
            byte b = po < PAGE_SIZE ? p[po] : next[po - PAGE_SIZE];
            v |= (b & 0xffL) << (8 * i);
        }
        return v;
    }

    private void slowStore(long addr, int width, long v) {
        long off = addr - base;
        int page = (int) (off >>> PAGE_SHIFT);
        int po = (int) off & PAGE_MASK;
        byte[] p = writablePage(page);
        if (po <= PAGE_SIZE - width) {
            switch (width) {
                case 1 -> p[po] = (byte) v;
                case 2 -> I16.set(p, po, (short) v);
                case 4 -> I32.set(p, po, (int) v);
                default -> I64.set(p, po, v);
            }
            return;
        }
        byte[] next = writablePage(page + 1);
        for (int i = 0; i < width; i++, po++) {
            byte b = (byte) (v >>> (8 * i));
            if (po < PAGE_SIZE) {
                p[po] = b;
            } else {
                next[po - PAGE_SIZE] = b;
            }
        }
    }

    private byte[] readablePage(int page) {
        byte[] p = readable[page];
        return p != null ? p : awaitPage(page);
    }

    /** Does the write-side bookkeeping of a page for this round and opens it for fast stores. */
    private byte[] writablePage(int page) {
        byte[] p = writable[page];
        if (p != null) {
            return p;
        }
        p = (byte[]) TABLE.getAcquire(readable, page);
        if (p == null) {
            p = awaitPage(page);
        }
        if (p == ZERO_PAGE) {
            p = new byte[PAGE_SIZE];
            pages[page] = p;
            allocatedPages.incrementAndGet();
            TABLE.setRelease(readable, page, p);
        }
        int w = page >>> 6;
        long bit = 1L << page;
        if ((codePages[w] & bit) != 0) {
            codePages[w] &= ~bit;
            codeListener.codeModified(page);
        }
        freeHint[w] &= ~bit;
        if (dirtyLogging) {
            dirty[w] |= bit;
        }
        writable[page] = p;
        return p;
    }

    /** Blocks the calling vCPU until an absent page arrives; asks the supplier for it first. */
    private byte[] awaitPage(int page) {
        PageSupplier s = supplier;
        if (s != null) {
            s.pageNeeded(page);
        }
        arrivalLock.lock();
        try {
            boolean interrupted = false;
            while (readable[page] == null) {
                if (s == null) {
                    throw new IllegalStateException("page " + page + " is not present and no supplier is set");
                }
                try {
                    arrived.await();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return readable[page];
        } finally {
            arrivalLock.unlock();
        }
    }

    // ---------------------------------------------------------------- host-side bulk access

    /** Copies guest bytes into {@code dst}; blocks on absent pages like a guest load would. */
    public void readBytes(long addr, byte[] dst, int dstOff, int len) {
        checkRange(addr, len);
        while (len > 0) {
            long off = addr - base;
            int page = (int) (off >>> PAGE_SHIFT);
            int po = (int) off & PAGE_MASK;
            int n = Math.min(len, PAGE_SIZE - po);
            System.arraycopy(readablePage(page), po, dst, dstOff, n);
            addr += n;
            dstOff += n;
            len -= n;
        }
    }

    /** Writes bytes into guest RAM as a store would: allocates, marks dirty, invalidates cached code. */
    public void writeBytes(long addr, byte[] src, int srcOff, int len) {
        checkRange(addr, len);
        while (len > 0) {
            long off = addr - base;
            int page = (int) (off >>> PAGE_SHIFT);
            int po = (int) off & PAGE_MASK;
            int n = Math.min(len, PAGE_SIZE - po);
            System.arraycopy(src, srcOff, writablePage(page), po, n);
            addr += n;
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
     * The backing array of an allocated page, or {@code null} for a zero or absent page. The array is live:
     * callers must not modify it and must treat its contents as racy while the vCPU runs.
     */
    public byte[] pageOrNull(int page) {
        return pages[page];
    }

    /** Copies one page into {@code dst} at {@code dstOff} (zeros for a never-written page). */
    public void copyPage(int page, byte[] dst, int dstOff) {
        byte[] p = pages[page];
        if (p == null) {
            Arrays.fill(dst, dstOff, dstOff + PAGE_SIZE, (byte) 0);
        } else {
            System.arraycopy(p, 0, dst, dstOff, PAGE_SIZE);
        }
    }

    /** True when the page has backing bytes (it was written at least once). */
    public boolean isAllocated(int page) {
        return pages[page] != null;
    }

    /** Number of pages with backing bytes. */
    public int allocatedPages() {
        return allocatedPages.get();
    }

    /**
     * Replaces all contents with zero pages and clears every view (dirty log, history, hints, absent pages).
     * vCPU stopped only.
     */
    public void clear() {
        arrivalLock.lock();
        try {
            Arrays.fill(pages, null);
            Arrays.fill(readable, ZERO_PAGE);
            Arrays.fill(absent, 0);
            absentPages = 0;
            arrived.signalAll();
        } finally {
            arrivalLock.unlock();
        }
        Arrays.fill(writable, null);
        Arrays.fill(dirty, 0);
        Arrays.fill(freeHint, 0);
        Arrays.fill(history, 0);
        for (int w = 0; w < codePages.length; w++) {
            long bits = codePages[w];
            codePages[w] = 0;
            while (bits != 0) {
                int page = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                codeListener.codeModified(page);
            }
        }
        allocatedPages.set(0);
    }

    /**
     * Installs a whole page as if written by the host (state restore): no dirty mark. An all-zero page is
     * dropped back to the shared zero page. An absent page becomes present with these contents, so a later
     * {@link #supplyPage} leaves it alone. vCPU stopped only.
     */
    public void loadPage(int page, byte[] src, int srcOff) {
        Objects.checkIndex(page, pageCount);
        boolean zero = isZero(src, srcOff);
        arrivalLock.lock();
        try {
            byte[] p = pages[page];
            if (zero) {
                if (p != null) {
                    pages[page] = null;
                    allocatedPages.decrementAndGet();
                }
                p = ZERO_PAGE;
            } else {
                if (p == null) {
                    p = new byte[PAGE_SIZE];
                    pages[page] = p;
                    allocatedPages.incrementAndGet();
                }
                System.arraycopy(src, srcOff, p, 0, PAGE_SIZE);
            }
            int w = page >>> 6;
            long bit = 1L << page;
            if ((absent[w] & bit) != 0) {
                absent[w] &= ~bit;
                absentPages--;
            }
            writable[page] = null;
            TABLE.setRelease(readable, page, p);
            arrived.signalAll();
        } finally {
            arrivalLock.unlock();
        }
        dropCode(page);
    }

    /** True when {@code PAGE_SIZE} bytes from {@code off} are all zero. */
    public static boolean isZero(byte[] b, int off) {
        for (int i = off, end = off + PAGE_SIZE; i < end; i += 8) {
            if ((long) I64.get(b, i) != 0) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- code cache coherence

    /** Registers the single listener told when a page holding decoded code is written. */
    public void setCodeWriteListener(CodeWriteListener listener) {
        this.codeListener = Objects.requireNonNull(listener);
    }

    /** Marks a page as holding decoded code: its next write takes the slow path and notifies the listener. */
    public void watchCode(int page) {
        codePages[page >>> 6] |= 1L << page;
        writable[page] = null;
    }

    private void dropCode(int page) {
        int w = page >>> 6;
        long bit = 1L << page;
        if ((codePages[w] & bit) != 0) {
            codePages[w] &= ~bit;
            codeListener.codeModified(page);
        }
    }

    // ---------------------------------------------------------------- dirty log and write history

    /** Turns dirty logging on or off. Turning it on starts with an empty log. vCPU stopped or safepoint. */
    public void setDirtyLogging(boolean on) {
        if (on && !dirtyLogging) {
            Arrays.fill(dirty, 0);
            Arrays.fill(writable, null);
        }
        dirtyLogging = on;
    }

    /** True while dirty logging is on. */
    public boolean dirtyLogging() {
        return dirtyLogging;
    }

    /**
     * Returns the pages written since the previous call (or since logging was turned on) and starts a new
     * round: the log is cleared, dirty pages lose fast write access, and each page's write history shifts in
     * whether it was written this round. vCPU stopped or at a safepoint, so no store can slip between.
     */
    public DirtyBitmap fetchAndClearDirtyLog() {
        long[] snapshot = dirty.clone();
        Arrays.fill(dirty, 0);
        for (int w = 0; w < snapshot.length; w++) {
            long bits = snapshot[w];
            while (bits != 0) {
                int page = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                writable[page] = null;
            }
        }
        for (int page = 0; page < pageCount; page++) {
            history[page] = (history[page] << 1) | ((snapshot[page >>> 6] >>> page) & 1);
        }
        return new DirtyBitmap(snapshot, pageCount);
    }

    /**
     * Write history of a page: bit {@code k} is set when the page was written in the k-th most recent
     * completed round (bit 0 = the last round). {@code Long.bitCount} of it is a write frequency.
     */
    public long writeHistory(int page) {
        return history[page];
    }

    // ---------------------------------------------------------------- free page hints

    /** Records that the guest reported a page free: its contents need not be migrated until written again. */
    public void reportFree(int page) {
        freeHint[page >>> 6] |= 1L << page;
        writable[page] = null;
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

    /** Marks a page not present: its contents are dropped and the next access blocks until supplied. */
    public void markNotPresent(int page) {
        arrivalLock.lock();
        try {
            int w = page >>> 6;
            long bit = 1L << page;
            if ((absent[w] & bit) != 0) {
                return;
            }
            if (pages[page] != null) {
                pages[page] = null;
                allocatedPages.decrementAndGet();
            }
            absent[w] |= bit;
            absentPages++;
            readable[page] = null;
            writable[page] = null;
            dropCode(page);
        } finally {
            arrivalLock.unlock();
        }
    }

    /** True when the page is not present. */
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
        Objects.checkIndex(page, pageCount);
        arrivalLock.lock();
        try {
            int w = page >>> 6;
            long bit = 1L << page;
            if ((absent[w] & bit) == 0) {
                return false;
            }
            byte[] p = ZERO_PAGE;
            if (src != null && !isZero(src, srcOff)) {
                p = Arrays.copyOfRange(src, srcOff, srcOff + PAGE_SIZE);
                pages[page] = p;
                allocatedPages.incrementAndGet();
            }
            absent[w] &= ~bit;
            absentPages--;
            TABLE.setRelease(readable, page, p);
            arrived.signalAll();
            return true;
        } finally {
            arrivalLock.unlock();
        }
    }
}
