package dev.ferry.machine.memory;

import java.util.function.IntConsumer;

/** An immutable set of page indices, as harvested from the dirty log for one round. */
public final class DirtyBitmap {

    private final long[] words;
    private final int pageCount;
    private final int cardinality;

    /** Wraps {@code words} (taken over, not copied); bit {@code p} of the bitmap is page {@code p}. */
    public DirtyBitmap(long[] words, int pageCount) {
        this.words = words;
        this.pageCount = pageCount;
        int n = 0;
        for (long w : words) {
            n += Long.bitCount(w);
        }
        this.cardinality = n;
    }

    /** Number of pages the bitmap covers. */
    public int pageCount() {
        return pageCount;
    }

    /** Number of pages in the set. */
    public int cardinality() {
        return cardinality;
    }

    /** True when page {@code page} is in the set. */
    public boolean contains(int page) {
        return (words[page >>> 6] & (1L << page)) != 0;
    }

    /** Calls {@code action} for each page in the set, in increasing order. */
    public void forEach(IntConsumer action) {
        for (int w = 0; w < words.length; w++) {
            long bits = words[w];
            while (bits != 0) {
                action.accept((w << 6) + Long.numberOfTrailingZeros(bits));
                bits &= bits - 1;
            }
        }
    }
}
