package dev.ferry.machine.memory;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Cleaner;
import java.util.Optional;

/**
 * Guest RAM's backing store: a private anonymous mapping made with {@code mmap}, so the kernel hands out
 * zero-filled pages lazily — a 1 GiB guest costs only the pages it touched — and the Java heap never holds,
 * scans or moves guest memory. {@link #discard} gives pages back with {@code madvise(MADV_DONTNEED)} (they read
 * as zeros again). A clone's RAM is instead a private mapping of a {@link MemoryFile} holding its parent's pages:
 * they are shared until written, and discarding a range maps fresh anonymous zero pages over it (dropping the
 * private copies alone would show the file's contents again). Where {@code mmap} cannot be found (not Linux), the RAM comes from the arena instead, which
 * zeroes, and so touches, all of it. The mapping lives in a shared arena: {@link #close()} unmaps it (later
 * accesses fail with an exception, never a crash), and a cleaner unmaps a mapping whose owner became
 * unreachable without closing it.
 */
final class AnonymousMapping implements AutoCloseable {

    private static final int PROT_READ = 0x1;
    private static final int PROT_WRITE = 0x2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_FIXED = 0x10;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_NORESERVE = 0x4000;
    private static final int MADV_DONTNEED = 4;
    private static final long MAP_FAILED = -1L;

    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MADVISE;

    static {
        Linker linker = Linker.nativeLinker();
        Optional<MemorySegment> mmap = linker.defaultLookup().find("mmap");
        Optional<MemorySegment> munmap = linker.defaultLookup().find("munmap");
        Optional<MemorySegment> madvise = linker.defaultLookup().find("madvise");
        boolean linux = System.getProperty("os.name", "").equals("Linux");
        if (linux && mmap.isPresent() && munmap.isPresent() && madvise.isPresent()) {
            MMAP = linker.downcallHandle(mmap.get(),
                    FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
            MUNMAP = linker.downcallHandle(munmap.get(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
            MADVISE = linker.downcallHandle(madvise.get(),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        } else {
            MMAP = null;
            MUNMAP = null;
            MADVISE = null;
        }
    }

    private static final Cleaner CLEANER = Cleaner.create();

    private final MemorySegment segment;
    private final Cleaner.Cleanable unmapper;
    private final boolean fileBacked;

    /**
     * Maps {@code size} bytes of zeroed memory for {@code owner}.
     *
     * @throws IllegalStateException if the kernel refuses the mapping
     */
    AnonymousMapping(Object owner, long size) {
        this(owner, size, null);
    }

    /**
     * Maps {@code file} privately for {@code owner}: its pages are shared until written; {@code null} maps zeroed
     * anonymous memory of {@code size} bytes instead.
     *
     * @throws IllegalStateException if the kernel refuses the mapping, or a file is given where there is no mmap
     */
    AnonymousMapping(Object owner, long size, MemoryFile file) {
        if (file != null && (MMAP == null || file.size() != size)) {
            throw new IllegalStateException("cannot map a memory file of " + file.size() + " bytes as " + size
                    + " bytes of RAM");
        }
        Arena arena = Arena.ofShared();
        try {
            this.segment = map(size, arena, file);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        this.fileBacked = file != null;
        this.unmapper = CLEANER.register(owner, () -> closeQuietly(arena));
    }

    /** The mapped memory. */
    MemorySegment segment() {
        return segment;
    }

    /** Unmaps the memory. Idempotent. */
    @Override
    public void close() {
        unmapper.clean();
    }

    private static void closeQuietly(Arena arena) {
        try {
            arena.close();
        } catch (IllegalStateException alreadyClosed) {
            // closed already
        }
    }

    private static MemorySegment map(long size, Arena arena, MemoryFile file) {
        if (MMAP == null) {
            return arena.allocate(size, GuestMemory.PAGE_SIZE);
        }
        MemorySegment address;
        try {
            address = file == null
                    ? (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, size, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L)
                    : (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, size, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_NORESERVE, file.fd(), 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap failed", t);
        }
        if (address.address() == MAP_FAILED || address.address() == 0) {
            throw new IllegalStateException("the kernel refused to map " + (size >> 20) + " MiB of guest RAM");
        }
        long start = address.address();
        return address.reinterpret(size, arena, segment -> unmap(start, size));
    }

    private static void unmap(long start, long size) {
        try {
            int rc = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(start), size);
            if (rc != 0) {
                throw new IllegalStateException("munmap failed");
            }
        } catch (Throwable t) {
            throw new IllegalStateException("munmap failed", t);
        }
    }

    /**
     * Gives {@code [offset, offset+length)} of this mapping back to the kernel; it reads as zeros afterwards. For a
     * file mapping, fresh anonymous memory is mapped over the range.
     */
    void discard(long offset, long length) {
        if (!fileBacked) {
            discard(segment, offset, length);
            return;
        }
        long at = segment.address() + offset;
        MemorySegment address;
        try {
            address = (MemorySegment) MMAP.invokeExact(MemorySegment.ofAddress(at), length, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap failed", t);
        }
        if (address.address() != at) {
            segment.asSlice(offset, length).fill((byte) 0);
        }
    }

    /**
     * Gives {@code [offset, offset+length)} of {@code ram} back to the kernel; it reads as zeros afterwards.
     * Without {@code madvise} the range is zeroed by hand.
     */
    static void discard(MemorySegment ram, long offset, long length) {
        if (MADVISE == null) {
            ram.asSlice(offset, length).fill((byte) 0);
            return;
        }
        int rc;
        try {
            rc = (int) MADVISE.invokeExact(ram.asSlice(offset, length), length, MADV_DONTNEED);
        } catch (Throwable t) {
            throw new IllegalStateException("madvise failed", t);
        }
        if (rc != 0) {
            ram.asSlice(offset, length).fill((byte) 0);
        }
    }
}
