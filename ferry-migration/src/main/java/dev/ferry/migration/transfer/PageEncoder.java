package dev.ferry.migration.transfer;

import dev.ferry.machine.memory.GuestMemory;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

/**
 * Chooses and applies the encoding of each page the source sends: zero marker, XBZRLE delta against the copy
 * last sent (kept in a bounded {@link SentPageCache}), LZ4, or raw — whichever enabled one is smallest, raw when
 * nothing beats it. One instance per sending thread.
 */
public final class PageEncoder {

    /** What {@link #encode} produced: the encoding and its bytes in {@link #buffer()}. */
    public record Encoded(Encoding encoding, int length) { }

    private static final int PAGE = GuestMemory.PAGE_SIZE;
    private static final LZ4Compressor LZ4 = LZ4Factory.fastestJavaInstance().fastCompressor();

    private final boolean zeroPages;
    private final boolean lz4;
    private final SentPageCache cache;
    private final byte[] out = new byte[LZ4.maxCompressedLength(PAGE) + 16];

    /**
     * @param zeroPages  send all-zero pages as a marker
     * @param xbzrle     try deltas against the last sent copy
     * @param lz4        try LZ4
     * @param cachePages bound of the XBZRLE cache
     */
    public PageEncoder(boolean zeroPages, boolean xbzrle, boolean lz4, int cachePages) {
        this.zeroPages = zeroPages;
        this.lz4 = lz4;
        this.cache = xbzrle ? new SentPageCache(cachePages) : null;
    }

    /**
     * Encodes one page. {@code snapshot} is a private copy of its contents, which the encoder may keep as the
     * next delta base.
     *
     * @param deltaOk the target holds exactly the copy last sent (pre-copy), so a delta may be used
     */
    public Encoded encode(int page, byte[] snapshot, boolean deltaOk) {
        if (zeroPages && GuestMemory.isZero(snapshot, 0)) {
            if (cache != null) {
                cache.remove(page);
            }
            return new Encoded(Encoding.ZERO, 0);
        }
        Encoded best = null;
        if (cache != null) {
            byte[] old = deltaOk ? cache.get(page) : null;
            if (old != null) {
                int n = Xbzrle.encode(old, snapshot, out, PAGE - 256);
                if (n >= 0) {
                    best = new Encoded(Encoding.XBZRLE, n);
                }
            }
            cache.put(page, snapshot);
        }
        if (best != null) {
            return best;
        }
        if (lz4) {
            int n = LZ4.compress(snapshot, 0, PAGE, out, 0, out.length);
            if (n < PAGE - 64) {
                return new Encoded(Encoding.LZ4, n);
            }
        }
        System.arraycopy(snapshot, 0, out, 0, PAGE);
        return new Encoded(Encoding.RAW, PAGE);
    }

    /** Bytes of the last {@link #encode} result. */
    public byte[] buffer() {
        return out;
    }
}
