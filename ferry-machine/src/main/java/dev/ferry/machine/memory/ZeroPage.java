package dev.ferry.machine.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Tests whether a page holds only zero bytes. Zero pages cost nothing to keep (the kernel shares them) and
 * little to send (a code instead of 4 KiB), so memory, state files and page streams all ask.
 */
public final class ZeroPage {

    private static final MemorySegment ZEROS = Arena.global().allocate(GuestMemory.PAGE_SIZE);

    private ZeroPage() {
    }

    /** True when {@link GuestMemory#PAGE_SIZE} bytes of {@code b} from {@code off} are all zero. */
    public static boolean isZero(byte[] b, int off) {
        return isZero(MemorySegment.ofArray(b).asSlice(off, GuestMemory.PAGE_SIZE));
    }

    /** True when the first {@link GuestMemory#PAGE_SIZE} bytes of {@code page} are all zero. */
    public static boolean isZero(MemorySegment page) {
        return isZero(page, 0);
    }

    /** True when {@link GuestMemory#PAGE_SIZE} bytes of {@code segment} from {@code offset} are all zero. */
    static boolean isZero(MemorySegment segment, long offset) {
        return MemorySegment.mismatch(segment, offset, offset + GuestMemory.PAGE_SIZE, ZEROS, 0,
                GuestMemory.PAGE_SIZE) < 0;
    }
}
