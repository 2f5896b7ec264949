package dev.ferry.machine.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pages written since they were last zero, whose memory the kernel has handed out: the pages a migration
 * sends and a state file stores. Part of {@link GuestMemory}; updated atomically, because the vCPU marks pages
 * while page streams install others.
 */
final class TouchedPages {

    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);

    private final int pageCount;
    private final long[] bits;
    private final AtomicInteger count = new AtomicInteger();

    TouchedPages(int pageCount) {
        this.pageCount = pageCount;
        this.bits = new long[(pageCount + 63) >>> 6];
    }

    void mark(int page) {
        long bit = 1L << page;
        long old = (long) WORDS.getAndBitwiseOr(bits, page >>> 6, bit);
        if ((old & bit) == 0) {
            count.incrementAndGet();
        }
    }

    void unmark(int page) {
        long bit = 1L << page;
        long old = (long) WORDS.getAndBitwiseAnd(bits, page >>> 6, ~bit);
        if ((old & bit) != 0) {
            count.decrementAndGet();
        }
    }

    boolean contains(int page) {
        return (bits[page >>> 6] & (1L << page)) != 0;
    }

    /** The bits of pages {@code 64 w} to {@code 64 w + 63}. */
    long word(int w) {
        return bits[w];
    }

    int count() {
        return count.get();
    }

    DirtyBitmap snapshot() {
        return DirtyBitmap.of(bits.clone(), pageCount);
    }

    void clear() {
        Arrays.fill(bits, 0);
        count.set(0);
    }
}
