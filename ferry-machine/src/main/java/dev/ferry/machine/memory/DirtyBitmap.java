package dev.ferry.machine.memory;

import java.util.Arrays;
import java.util.BitSet;
import java.util.function.IntConsumer;

/**
 * An immutable set of page indices, as harvested from the dirty log for one round. Stored sparsely — only the
 * 64-page words that hold a page — so a harvest of an idle guest costs the same whatever its RAM size.
 */
public final class DirtyBitmap {

    private final int[] wordIndex;
    private final long[] words;
    private final int pageCount;
    private final int cardinality;

    /** Takes over {@code wordIndex[0..n)} (ascending) and their bits; no page at or above {@code pageCount}. */
    DirtyBitmap(int[] wordIndex, long[] words, int n, int pageCount) {
        this.wordIndex = n == wordIndex.length ? wordIndex : Arrays.copyOf(wordIndex, n);
        this.words = n == words.length ? words : Arrays.copyOf(words, n);
        this.pageCount = pageCount;
        int c = 0;
        for (int i = 0; i < n; i++) {
            c += Long.bitCount(this.words[i]);
        }
        this.cardinality = c;
    }

    /** A bitmap from dense words: bit {@code p} of the array is page {@code p}. */
    public static DirtyBitmap of(long[] dense, int pageCount) {
        int n = 0;
        int[] idx = new int[dense.length];
        long[] bits = new long[dense.length];
        for (int w = 0; w < dense.length; w++) {
            if (dense[w] != 0) {
                idx[n] = w;
                bits[n++] = dense[w];
            }
        }
        return new DirtyBitmap(idx, bits, n, pageCount);
    }

    /** Number of pages the bitmap covers. */
    public int pageCount() {
        return pageCount;
    }

    /** Number of pages in the set. */
    public int cardinality() {
        return cardinality;
    }

    /** True when no page is in the set. */
    public boolean isEmpty() {
        return cardinality == 0;
    }

    /** True when page {@code page} is in the set. */
    public boolean contains(int page) {
        int i = Arrays.binarySearch(wordIndex, page >>> 6);
        return i >= 0 && (words[i] & (1L << page)) != 0;
    }

    /** Calls {@code action} for each page in the set, in increasing order. */
    public void forEach(IntConsumer action) {
        for (int i = 0; i < words.length; i++) {
            int base = wordIndex[i] << 6;
            long bits = words[i];
            while (bits != 0) {
                action.accept(base + Long.numberOfTrailingZeros(bits));
                bits &= bits - 1;
            }
        }
    }

    /** Adds every page of the set to {@code set}. */
    public void addTo(BitSet set) {
        forEach(set::set);
    }

    /** The set as a new {@link BitSet}. */
    public BitSet toBitSet() {
        BitSet b = new BitSet(pageCount);
        addTo(b);
        return b;
    }
}
