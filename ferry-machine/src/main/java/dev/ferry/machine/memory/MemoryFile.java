package dev.ferry.machine.memory;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * An anonymous file in memory ({@code memfd_create}, through the JDK's foreign-function API): sparse, so a range
 * never written holds no memory and reads as zeros. {@link AnonymousMapping} maps it {@code MAP_PRIVATE}, so every
 * mapping shares the file's pages until it writes one, and the kernel then copies that page for that mapping only.
 * The file lives as long as its descriptor or any mapping of it.
 */
final class MemoryFile implements AutoCloseable {

    private static final int MFD_CLOEXEC = 1;

    private static final MethodHandle MEMFD_CREATE;
    private static final MethodHandle FTRUNCATE;
    private static final MethodHandle PWRITE;
    private static final MethodHandle CLOSE;

    static {
        Linker linker = Linker.nativeLinker();
        Optional<MemorySegment> create = linker.defaultLookup().find("memfd_create");
        Optional<MemorySegment> truncate = linker.defaultLookup().find("ftruncate");
        Optional<MemorySegment> pwrite = linker.defaultLookup().find("pwrite");
        Optional<MemorySegment> close = linker.defaultLookup().find("close");
        if (System.getProperty("os.name", "").equals("Linux") && create.isPresent() && truncate.isPresent()
                && pwrite.isPresent() && close.isPresent()) {
            MEMFD_CREATE = linker.downcallHandle(create.get(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            FTRUNCATE = linker.downcallHandle(truncate.get(), FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
            PWRITE = linker.downcallHandle(pwrite.get(),
                    FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
            CLOSE = linker.downcallHandle(close.get(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        } else {
            MEMFD_CREATE = null;
            FTRUNCATE = null;
            PWRITE = null;
            CLOSE = null;
        }
    }

    private final int fd;
    private final long size;
    private boolean closed;

    private MemoryFile(int fd, long size) {
        this.fd = fd;
        this.size = size;
    }

    /** True where memory files can be made (Linux). */
    static boolean supported() {
        return MEMFD_CREATE != null;
    }

    /**
     * Makes a memory file of {@code size} bytes, all zero and none of them backed yet.
     *
     * @throws IllegalStateException if memory files are not supported here or the kernel refuses
     */
    static MemoryFile create(String name, long size) {
        if (!supported()) {
            throw new IllegalStateException("memory files (memfd_create) need Linux");
        }
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = (int) MEMFD_CREATE.invokeExact(arena.allocateFrom(name), MFD_CLOEXEC);
        } catch (Throwable t) {
            throw new IllegalStateException("memfd_create failed", t);
        }
        if (fd < 0) {
            throw new IllegalStateException("the kernel refused a memory file (memfd_create)");
        }
        MemoryFile file = new MemoryFile(fd, size);
        int rc;
        try {
            rc = (int) FTRUNCATE.invokeExact(fd, size);
        } catch (Throwable t) {
            file.close();
            throw new IllegalStateException("ftruncate failed", t);
        }
        if (rc != 0) {
            file.close();
            throw new IllegalStateException("the kernel refused to size a memory file to " + (size >> 20) + " MiB");
        }
        return file;
    }

    /** The file descriptor, for {@code mmap}. */
    int fd() {
        return fd;
    }

    /** Size in bytes. */
    long size() {
        return size;
    }

    /** Writes all of {@code src} at {@code offset}. */
    void write(MemorySegment src, long offset) {
        long done = 0;
        long length = src.byteSize();
        while (done < length) {
            long n;
            try {
                n = (long) PWRITE.invokeExact(fd, src.asSlice(done), length - done, offset + done);
            } catch (Throwable t) {
                throw new IllegalStateException("pwrite failed", t);
            }
            if (n <= 0) {
                throw new IllegalStateException("could not write " + (length - done) + " bytes to a memory file "
                        + "(out of memory?)");
            }
            done += n;
        }
    }

    /** Closes the descriptor; mappings of the file stay valid. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            int rc = (int) CLOSE.invokeExact(fd);
            if (rc != 0) {
                throw new IllegalStateException("close of a memory file failed");
            }
        } catch (Throwable t) {
            throw new IllegalStateException("close of a memory file failed", t);
        }
    }
}
