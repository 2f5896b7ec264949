package dev.ferry.migration.transfer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The source's copies of pages as last sent, the base of XBZRLE deltas. Bounded: the least recently sent
 * page is dropped first (its next version then goes whole). Single-threaded.
 */
public final class SentPageCache {

    private final LinkedHashMap<Integer, byte[]> pages;

    /** A cache of at most {@code capacity} pages. */
    public SentPageCache(int capacity) {
        this.pages = new LinkedHashMap<>(Math.min(capacity, 4096), 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, byte[]> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The copy last sent of {@code page}, or {@code null}. */
    public byte[] get(int page) {
        return pages.get(page);
    }

    /** Remembers {@code bytes} (taken over) as the copy of {@code page} the target now holds. */
    public void put(int page, byte[] bytes) {
        pages.put(page, bytes);
    }

    /** Forgets a page (the target's copy is not a useful base). */
    public void remove(int page) {
        pages.remove(page);
    }

    /** Pages held. */
    public int size() {
        return pages.size();
    }
}
