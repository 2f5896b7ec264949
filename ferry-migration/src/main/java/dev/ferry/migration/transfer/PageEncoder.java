package dev.ferry.migration.transfer;

import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.machine.memory.ZeroPage;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

/**
 * Chooses and applies the encoding of each page the source sends: zero marker, XBZRLE delta against the copy
 * last sent (kept in a bounded {@link SentPageCache}), LZ4, or raw — whichever enabled one is smallest, raw when
 * nothing beats it. One instance per sending thread.
 *
 * <p>Without XBZRLE and LZ4 a raw page is copied straight from guest memory into the batch (a page written
 * meanwhile is dirty and goes again); otherwise the encoder works on a private snapshot, and with XBZRLE the
 * cached copy is exactly what the target received.
 */
public final class PageEncoder {

    /**
     * What {@link #encode} produced.
     *
     * @param encoding how the page travels
     * @param data     array holding the encoded bytes
     * @param offset   where they start
     * @param length   how many
     */
    public record Encoded(Encoding encoding, byte[] data, int offset, int length) { }

    private static final int PAGE = GuestMemory.PAGE_SIZE;
    private static final byte[] ZERO = new byte[PAGE];
    private static final LZ4Compressor LZ4 = LZ4Factory.fastestJavaInstance().fastCompressor();

    private final boolean zeroPages;
    private final boolean lz4;
    private final SentPageCache cache;
    private final byte[] out = new byte[LZ4.maxCompressedLength(PAGE) + 16];
    private final byte[] scratch = new byte[PAGE];

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
     * Encodes one page of {@code memory} into {@code out} and returns the encoding used. Without XBZRLE and LZ4
     * a page goes from guest memory into the batch in one copy.
     *
     * @param deltaOk the target holds exactly the copy last sent (pre-copy), so a delta may be used
     */
    public Encoding encodeInto(GuestMemory memory, int page, boolean deltaOk, PageBatchWriter out) {
        if (zeroPages && memory.isZeroPage(page)) {
            if (cache != null) {
                cache.remove(page);
            }
            out.addZero(page);
            return Encoding.ZERO;
        }
        if (cache == null && !lz4) {
            out.addRaw(page, memory.page(page));
            return Encoding.RAW;
        }
        byte[] snapshot = cache != null ? new byte[PAGE] : scratch;
        memory.copyPage(page, snapshot, 0);
        Encoded e = encodeSnapshot(page, snapshot, deltaOk);
        out.add(page, e.encoding(), e.data(), e.offset(), e.length());
        return e.encoding();
    }

    /**
     * Encodes unit {@code u} of {@code units} into {@code out}: a page as {@link #encodeInto} does, a disk block
     * from a copy read off the disk.
     */
    public Encoding encodeUnit(TransferUnits units, int u, boolean deltaOk, PageBatchWriter out) {
        if (!units.isBlock(u)) {
            return encodeInto(units.memory(), u, deltaOk, out);
        }
        byte[] snapshot = cache != null ? new byte[PAGE] : scratch;
        units.readBlock(u, snapshot);
        Encoded e = encode(u, snapshot, deltaOk);
        out.add(u, e.encoding(), e.data(), e.offset(), e.length());
        return e.encoding();
    }

    /** Encodes a private copy of a page (kept as the next delta base when XBZRLE is on). */
    public Encoded encode(int page, byte[] snapshot, boolean deltaOk) {
        if (zeroPages && ZeroPage.isZero(snapshot, 0)) {
            if (cache != null) {
                cache.remove(page);
            }
            return new Encoded(Encoding.ZERO, ZERO, 0, 0);
        }
        return encodeSnapshot(page, snapshot, deltaOk);
    }

    private Encoded encodeSnapshot(int page, byte[] snapshot, boolean deltaOk) {
        if (cache != null) {
            byte[] old = deltaOk ? cache.get(page) : null;
            cache.put(page, snapshot);
            if (old != null) {
                int n = Xbzrle.encode(old, snapshot, out, PAGE - 256);
                if (n >= 0) {
                    return new Encoded(Encoding.XBZRLE, out, 0, n);
                }
            }
        }
        if (lz4) {
            int n = LZ4.compress(snapshot, 0, PAGE, out, 0, out.length);
            if (n < PAGE - 64) {
                return new Encoded(Encoding.LZ4, out, 0, n);
            }
        }
        return new Encoded(Encoding.RAW, snapshot, 0, PAGE);
    }
}
