package dev.ferry.machine.memory;

/**
 * A copy of a guest's RAM at one instant, held in a memory file ({@link MemoryFile}) from which clones start: each
 * {@link GuestMemory#GuestMemory(RamSnapshot)} maps it privately, so all clones share the pages none of them
 * changed, and the kernel copies a page for a clone only when that clone writes it. Only pages that hold data
 * are copied; zero pages stay holes in the file and cost nothing.
 *
 * <p>Taking one costs a copy of the guest's resident memory while its vCPU is stopped (the parent is paused for
 * it); after that the snapshot is independent of the guest, which can run on. Closing the snapshot closes the
 * file's descriptor; memories mapped from it keep the pages alive until they are closed.
 */
public final class RamSnapshot implements AutoCloseable {

    private final long base;
    private final long size;
    private final MemoryFile file;
    private final long[] pages;
    private final int pageCount;

    private RamSnapshot(long base, long size, MemoryFile file, long[] pages, int pageCount) {
        this.base = base;
        this.size = size;
        this.file = file;
        this.pages = pages;
        this.pageCount = pageCount;
    }

    /** True where snapshots can be taken (Linux, which has memory files). */
    public static boolean supported() {
        return MemoryFile.supported();
    }

    /**
     * Copies every page of {@code ram} that holds data into a new memory file. vCPU stopped.
     *
     * @throws IllegalStateException if memory files are not supported, some page is not present (a post-copy
     *                               target), or the kernel runs out of memory
     */
    public static RamSnapshot of(GuestMemory ram) {
        if (ram.absentPages() > 0) {
            throw new IllegalStateException(ram.absentPages() + " pages of this guest's RAM have not arrived yet");
        }
        MemoryFile file = MemoryFile.create("ferry-ram", ram.size());
        try {
            int count = ram.pageCount();
            long[] copied = new long[(count + 63) >>> 6];
            int runStart = -1;
            int copiedPages = 0;
            for (int page = 0; page <= count; page++) {
                boolean data = page < count && !ram.isZeroPage(page);
                if (data) {
                    copied[page >>> 6] |= 1L << page;
                    copiedPages++;
                    if (runStart < 0) {
                        runStart = page;
                    }
                } else if (runStart >= 0) {
                    file.write(ram.segment().asSlice((long) runStart << GuestMemory.PAGE_SHIFT,
                            (long) (page - runStart) << GuestMemory.PAGE_SHIFT), (long) runStart << GuestMemory.PAGE_SHIFT);
                    runStart = -1;
                }
            }
            return new RamSnapshot(ram.base(), ram.size(), file, copied, copiedPages);
        } catch (RuntimeException | Error e) {
            file.close();
            throw e;
        }
    }

    /** Guest-physical address of the first byte. */
    public long base() {
        return base;
    }

    /** Size of the RAM in bytes. */
    public long size() {
        return size;
    }

    /** Pages that hold data, and so were copied. */
    public int pagesCopied() {
        return pageCount;
    }

    /** Bytes copied into the file: {@link #pagesCopied()} pages. */
    public long bytesCopied() {
        return (long) pageCount << GuestMemory.PAGE_SHIFT;
    }

    /** True when page {@code page} holds data in the snapshot. */
    boolean holdsData(int page) {
        return (pages[page >>> 6] & (1L << page)) != 0;
    }

    MemoryFile file() {
        return file;
    }

    /** Closes the file's descriptor; memories already mapped from the snapshot are unaffected. Idempotent. */
    @Override
    public void close() {
        file.close();
    }
}
