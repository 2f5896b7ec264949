package dev.ferry.migration.transfer;

import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.migration.wire.Frame;
import dev.ferry.migration.wire.ProtocolException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.function.IntConsumer;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * The target's side of PAGES frames: checks and decodes each page and installs it in guest memory (a disk block,
 * in its disk: see {@link TransferUnits}) — with
 * {@link GuestMemory#loadPage} before switchover, with {@link GuestMemory#supplyPage} (only if still absent)
 * after a post-copy switchover. A raw page goes from the connection's receive buffer into guest memory in one
 * copy. One instance per receiving thread.
 */
public final class PageApplier {

    private static final int PAGE = GuestMemory.PAGE_SIZE;
    private static final int ENTRY = 9;
    private static final LZ4SafeDecompressor LZ4 = LZ4Factory.fastestJavaInstance().safeDecompressor();

    private final GuestMemory memory;
    private final TransferUnits units;
    private final byte[] page = new byte[PAGE];
    private final byte[] encoded = new byte[PAGE];
    private final MemorySegment pageSegment = MemorySegment.ofArray(page);

    /** Applies pages to {@code memory}. */
    public PageApplier(GuestMemory memory) {
        this(TransferUnits.memoryOnly(memory));
    }

    /** Applies pages and disk blocks to {@code units}. */
    public PageApplier(TransferUnits units) {
        this.units = units;
        this.memory = units.memory();
    }

    /** {@link #apply(ByteBuffer, boolean, IntConsumer)} for a frame in a heap array. */
    public int apply(Frame frame, boolean postcopy, IntConsumer onInstall) throws ProtocolException {
        return apply(ByteBuffer.wrap(frame.payload()), postcopy, onInstall);
    }

    /**
     * Decodes and installs every page of a PAGES payload (from its position to its limit; the buffer's position
     * is not changed).
     *
     * @param postcopy   install only absent pages (the VM runs here already); deltas are refused
     * @param onInstall  told the index of every page installed
     * @return the number of pages in the batch
     * @throws ProtocolException for any malformed entry; pages before it may have been installed
     */
    public int apply(ByteBuffer payload, boolean postcopy, IntConsumer onInstall) throws ProtocolException {
        ByteBuffer b = payload.slice();
        MemorySegment seg = MemorySegment.ofBuffer(b);
        int end = b.limit();
        if (end < 6) {
            throw new ProtocolException("PAGES frame truncated: " + end + " bytes");
        }
        int round = b.getInt(0);
        if (round < 0) {
            throw new ProtocolException("PAGES frame: round " + (round & 0xffffffffL) + " out of range");
        }
        int n = b.getShort(4) & 0xffff;
        if (n == 0 || n > PageBatchWriter.MAX_PAGES) {
            throw new ProtocolException("PAGES frame with " + n + " pages (1.." + PageBatchWriter.MAX_PAGES + ")");
        }
        int pos = 6;
        for (int i = 0; i < n; i++) {
            if (end - pos < ENTRY) {
                throw new ProtocolException("PAGES frame truncated in the entry of page " + i);
            }
            int index = b.getInt(pos);
            if (index < 0 || index >= units.count()) {
                throw new ProtocolException("page index " + (index & 0xffffffffL) + " outside RAM ("
                        + memory.pageCount() + " pages" + (units.hasDisks() ? " and " + (units.count()
                        - memory.pageCount()) + " disk blocks" : "") + ")");
            }
            int code = b.get(pos + 4) & 0xff;
            Encoding enc = Encoding.ofCode(code);
            if (enc == null) {
                throw new ProtocolException("unknown page encoding " + code + " for page " + index);
            }
            int len = b.getInt(pos + 5);
            if (len < 0 || len > PAGE) {
                throw new ProtocolException("page length " + (len & 0xffffffffL) + " for page " + index
                        + " out of range (0.." + PAGE + ")");
            }
            pos += ENTRY;
            if (end - pos < len) {
                throw new ProtocolException("PAGES frame truncated in the bytes of page " + index);
            }
            if (units.isBlock(index)) {
                byte[] block = decodeBlock(enc, index, seg, pos, len, postcopy);
                pos += len;
                if (units.installBlock(index, block, postcopy)) {
                    onInstall.accept(index);
                }
                continue;
            }
            MemorySegment data = decode(enc, index, seg, pos, len, postcopy);
            pos += len;
            if (postcopy) {
                if (memory.supplyPage(index, data)) {
                    onInstall.accept(index);
                }
            } else {
                if (data == null) {
                    memory.loadPage(index, ZeroPage.SEGMENT);
                } else {
                    memory.loadPage(index, data);
                }
                onInstall.accept(index);
            }
        }
        if (pos != end) {
            throw new ProtocolException("PAGES frame has " + (end - pos) + " bytes after its last page");
        }
        return n;
    }

    /** The page's contents ({@code null} for zeros), in the frame or in this applier's scratch page. */
    private MemorySegment decode(Encoding enc, int index, MemorySegment frame, int off, int len, boolean postcopy)
            throws ProtocolException {
        switch (enc) {
            case RAW -> {
                if (len != PAGE) {
                    throw new ProtocolException("raw page " + index + " of " + len + " bytes");
                }
                return frame.asSlice(off, PAGE);
            }
            case ZERO -> {
                if (len != 0) {
                    throw new ProtocolException("zero page " + index + " with " + len + " bytes");
                }
                return null;
            }
            case LZ4 -> {
                MemorySegment.copy(frame, java.lang.foreign.ValueLayout.JAVA_BYTE, off, encoded, 0, len);
                int got;
                try {
                    got = LZ4.decompress(encoded, 0, len, page, 0, PAGE);
                } catch (LZ4Exception e) {
                    throw new ProtocolException("corrupt LZ4 data for page " + index);
                }
                if (got != PAGE) {
                    throw new ProtocolException("LZ4 data for page " + index + " decodes to " + got + " bytes");
                }
                return pageSegment;
            }
            case XBZRLE -> {
                if (postcopy) {
                    throw new ProtocolException("xbzrle delta for page " + index + " after switchover");
                }
                MemorySegment.copy(frame, java.lang.foreign.ValueLayout.JAVA_BYTE, off, encoded, 0, len);
                memory.copyPage(index, page, 0);
                Xbzrle.decode(encoded, 0, len, page);
                return pageSegment;
            }
            default -> throw new IllegalStateException("encoding " + enc);
        }
    }

    /** A disk block's contents ({@code null} for zeros) in this applier's scratch page. */
    private byte[] decodeBlock(Encoding enc, int index, MemorySegment frame, int off, int len, boolean postcopy)
            throws ProtocolException {
        if (enc == Encoding.XBZRLE) {
            if (postcopy) {
                throw new ProtocolException("xbzrle delta for disk block " + index + " after switchover");
            }
            MemorySegment.copy(frame, java.lang.foreign.ValueLayout.JAVA_BYTE, off, encoded, 0, len);
            units.readBlock(index, page);
            Xbzrle.decode(encoded, 0, len, page);
            return page;
        }
        MemorySegment data = decode(enc, index, frame, off, len, postcopy);
        if (data == null) {
            return null;
        }
        if (data != pageSegment) {
            MemorySegment.copy(data, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, page, 0, PAGE);
        }
        return page;
    }

    /** A shared page of zeros for installing zero pages before switchover. */
    private static final class ZeroPage {
        static final MemorySegment SEGMENT = MemorySegment.ofArray(new byte[PAGE]);
    }
}
