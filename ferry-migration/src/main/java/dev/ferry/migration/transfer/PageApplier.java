package dev.ferry.migration.transfer;

import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.migration.wire.Frame;
import dev.ferry.migration.wire.PayloadReader;
import dev.ferry.migration.wire.ProtocolException;
import java.util.function.IntConsumer;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * The target's side of PAGES frames: checks and decodes each page and installs it in guest memory — with
 * {@link GuestMemory#loadPage} before switchover, with {@link GuestMemory#supplyPage} (only if still absent)
 * after a post-copy switchover. One instance per receiving thread.
 */
public final class PageApplier {

    private static final int PAGE = GuestMemory.PAGE_SIZE;
    private static final LZ4SafeDecompressor LZ4 = LZ4Factory.fastestJavaInstance().safeDecompressor();

    private final GuestMemory memory;
    private static final byte[] ZERO = new byte[PAGE];
    private final byte[] page = new byte[PAGE];

    /** Applies pages to {@code memory}. */
    public PageApplier(GuestMemory memory) {
        this.memory = memory;
    }

    /**
     * Decodes and installs every page of a PAGES frame.
     *
     * @param postcopy   install only absent pages (the VM runs here already); deltas are refused
     * @param onInstall  told the index of every page installed
     * @return the number of pages in the batch
     * @throws ProtocolException for any malformed entry; pages before it may have been installed
     */
    public int apply(Frame frame, boolean postcopy, IntConsumer onInstall) throws ProtocolException {
        PayloadReader r = frame.reader();
        r.i32("round", 0, Integer.MAX_VALUE);
        int n = r.u16();
        if (n == 0 || n > PageBatchWriter.MAX_PAGES) {
            throw new ProtocolException("PAGES frame with " + n + " pages (1.." + PageBatchWriter.MAX_PAGES + ")");
        }
        for (int i = 0; i < n; i++) {
            int index = r.i32();
            if (index < 0 || index >= memory.pageCount()) {
                throw new ProtocolException("page index " + (index & 0xffffffffL) + " outside RAM ("
                        + memory.pageCount() + " pages)");
            }
            int code = r.u8();
            Encoding enc = Encoding.ofCode(code);
            if (enc == null) {
                throw new ProtocolException("unknown page encoding " + code + " for page " + index);
            }
            int len = r.i32("page length", 0, PAGE);
            int off = r.slice(len);
            byte[] src = r.array();
            byte[] data = page;
            int dataOff = 0;
            switch (enc) {
                case RAW -> {
                    if (len != PAGE) {
                        throw new ProtocolException("raw page " + index + " of " + len + " bytes");
                    }
                    data = src;
                    dataOff = off;
                }
                case ZERO -> {
                    if (len != 0) {
                        throw new ProtocolException("zero page " + index + " with " + len + " bytes");
                    }
                    data = ZERO;
                }
                case LZ4 -> {
                    int got;
                    try {
                        got = LZ4.decompress(src, off, len, page, 0, PAGE);
                    } catch (LZ4Exception e) {
                        throw new ProtocolException("corrupt LZ4 data for page " + index);
                    }
                    if (got != PAGE) {
                        throw new ProtocolException("LZ4 data for page " + index + " decodes to " + got + " bytes");
                    }
                }
                case XBZRLE -> {
                    if (postcopy) {
                        throw new ProtocolException("xbzrle delta for page " + index + " after switchover");
                    }
                    memory.copyPage(index, page, 0);
                    Xbzrle.decode(src, off, len, page);
                }
                default -> throw new IllegalStateException();
            }
            if (postcopy) {
                if (memory.supplyPage(index, data, dataOff)) {
                    onInstall.accept(index);
                }
            } else {
                memory.loadPage(index, data, dataOff);
                onInstall.accept(index);
            }
        }
        r.end();
        return n;
    }
}
