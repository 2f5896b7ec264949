package dev.ferry.machine.memory;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * The bits behind the dirty log: a bit per page written since the last harvest, and a summary bit per 64-page
 * word that may hold one, so a harvest visits only the dirty words — its cost follows the dirty pages, not the
 * RAM size. Part of {@link GuestMemory}; used on the vCPU thread or while it is stopped.
 */
final class DirtyPages {

    private final int pageCount;
    private final long[] dirty;
    private final long[] summary;
    private boolean logging;

    DirtyPages(int pageCount) {
        this.pageCount = pageCount;
        int words = (pageCount + 63) >>> 6;
        this.dirty = new long[words];
        this.summary = new long[(words + 63) >>> 6];
    }

    /** Whether writes are logged. */
    boolean logging() {
        return logging;
    }

    /** Starts or stops logging; starting clears the log. */
    void setLogging(boolean on) {
        if (on && !logging) {
            clear();
        }
        logging = on;
    }

    /** Logs a write to {@code page} (a no-op while logging is off). */
    void mark(int page) {
        if (logging) {
            int w = page >>> 6;
            dirty[w] |= 1L << page;
            summary[w >>> 6] |= 1L << w;
        }
    }

    /** Forgets every logged write. */
    void clear() {
        Arrays.fill(dirty, 0);
        Arrays.fill(summary, 0);
    }

    /** Returns the logged pages and clears them, telling {@code each} every page. */
    DirtyBitmap harvest(IntConsumer each) {
        int n = 0;
        int[] idx = new int[8];
        long[] bits = new long[8];
        for (int s = 0; s < summary.length; s++) {
            long words = summary[s];
            summary[s] = 0;
            while (words != 0) {
                int w = (s << 6) + Long.numberOfTrailingZeros(words);
                words &= words - 1;
                long d = dirty[w];
                if (d == 0) {
                    continue;
                }
                dirty[w] = 0;
                for (long b = d; b != 0; b &= b - 1) {
                    each.accept((w << 6) + Long.numberOfTrailingZeros(b));
                }
                if (n == idx.length) {
                    idx = Arrays.copyOf(idx, n * 2);
                    bits = Arrays.copyOf(bits, n * 2);
                }
                idx[n] = w;
                bits[n++] = d;
            }
        }
        return new DirtyBitmap(idx, bits, n, pageCount);
    }
}
