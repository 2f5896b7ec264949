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
        try (Draft draft = draft(ram)) {
            return draft.complete(DirtyBitmap.of(new long[0], ram.pageCount()));
        }
    }

    /**
     * Starts a snapshot of a guest that may still run: makes the file and copies every page that holds data now.
     * Pages the vCPU writes meanwhile may be copied torn, so the caller claims the dirty log before the draft and
     * completes it, with the vCPU stopped, with every page written since the claim. The parent's pause is then
     * only the copy of those pages (the pre-copy idea, applied to a local copy).
     *
     * @throws IllegalStateException as {@link #of} does
     */
    public static Draft draft(GuestMemory ram) {
        if (ram.absentPages() > 0) {
            throw new IllegalStateException(ram.absentPages() + " pages of this guest's RAM have not arrived yet");
        }
        MemoryFile file = MemoryFile.create("ferry-ram", ram.size());
        Draft draft = new Draft(ram, file);
        try {
            draft.copyDataPages();
            return draft;
        } catch (RuntimeException | Error e) {
            file.close();
            throw e;
        }
    }

    /** A snapshot being taken: its file holds the guest's pages as they were read, perhaps torn. */
    public static final class Draft implements AutoCloseable {

        private final GuestMemory ram;
        private final MemoryFile file;
        private final long[] data;
        private int dataPages;
        private boolean completed;

        private Draft(GuestMemory ram, MemoryFile file) {
            this.ram = ram;
            this.file = file;
            this.data = new long[(ram.pageCount() + 63) >>> 6];
        }

        /** Copies every page that holds data, in runs of consecutive pages. */
        private void copyDataPages() {
            int count = ram.pageCount();
            int runStart = -1;
            for (int page = 0; page <= count; page++) {
                boolean holds = page < count && !ram.isZeroPage(page);
                if (holds) {
                    mark(page, true);
                    if (runStart < 0) {
                        runStart = page;
                    }
                } else if (runStart >= 0) {
                    copy(runStart, page - runStart);
                    runStart = -1;
                }
            }
        }

        /**
         * Copies {@code written} again — the pages written since the dirty log was claimed, which is before the
         * draft began — and hands over the finished snapshot. vCPU stopped.
         *
         * @throws IllegalStateException if already completed
         */
        public RamSnapshot complete(DirtyBitmap written) {
            if (completed) {
                throw new IllegalStateException("the snapshot was completed already");
            }
            written.forEach(page -> {
                long off = (long) page << GuestMemory.PAGE_SHIFT;
                boolean holds = !ram.isZeroPage(page);
                if (holds || holdsData(page)) {
                    file.write(ram.segment().asSlice(off, GuestMemory.PAGE_SIZE), off);
                }
                mark(page, holds);
            });
            completed = true;
            return new RamSnapshot(ram.base(), ram.size(), file, data.clone(), dataPages);
        }

        private boolean holdsData(int page) {
            return (data[page >>> 6] & (1L << page)) != 0;
        }

        private void mark(int page, boolean holds) {
            if (holds != holdsData(page)) {
                data[page >>> 6] ^= 1L << page;
                dataPages += holds ? 1 : -1;
            }
        }

        private void copy(int first, int pages) {
            long off = (long) first << GuestMemory.PAGE_SHIFT;
            file.write(ram.segment().asSlice(off, (long) pages << GuestMemory.PAGE_SHIFT), off);
        }

        /** Abandons a draft that was not completed (a completed one's file belongs to its snapshot). Idempotent. */
        @Override
        public void close() {
            if (!completed) {
                file.close();
            }
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
