package dev.ferry.migration.transfer;

import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.migration.wire.Frame;
import dev.ferry.migration.wire.FrameCodec;
import dev.ferry.migration.wire.FrameType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Accumulates encoded pages into one PAGES frame: round (4 bytes), page count (2), then per page its index
 * (4), encoding code (1), length (4) and bytes (all big-endian). Full at {@link #MAX_PAGES} pages or about
 * 256 KiB. The frame is built in place in a direct buffer behind room for the frame header, so a raw page is
 * copied once, from guest memory into the frame, and the frame goes to the socket from there; the writer is
 * reused for the next batch after {@link #reset}.
 */
public final class PageBatchWriter {

    /** Most pages in one batch. */
    public static final int MAX_PAGES = 64;
    private static final int PAGE = GuestMemory.PAGE_SIZE;
    private static final int MAX_BYTES = 256 * 1024;
    private static final int START = FrameCodec.HEADER + 6;
    private static final int ENTRY = 9;

    private final ByteBuffer buf = ByteBuffer.allocateDirect(START + MAX_BYTES + PAGE + 64);
    private final MemorySegment seg = MemorySegment.ofBuffer(buf);
    private int round;
    private int pos = START;
    private int count;
    private long rawBytes;
    private int lastEntry;

    /** An empty batch of round {@code round}. */
    public PageBatchWriter(int round) {
        this.round = round;
    }

    /** Empties the batch for round {@code r}. */
    public void reset(int r) {
        round = r;
        pos = START;
        count = 0;
        rawBytes = 0;
    }

    /** Adds a page whose encoded bytes are {@code data[off, off+len)}. */
    public void add(int page, Encoding encoding, byte[] data, int off, int len) {
        entry(page, encoding, len);
        MemorySegment.copy(data, off, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, pos, len);
        pos += len;
    }

    /** Adds a raw page copied from {@code src} (4 KiB, e.g. a page of guest memory in place). */
    public void addRaw(int page, MemorySegment src) {
        entry(page, Encoding.RAW, PAGE);
        MemorySegment.copy(src, 0, seg, pos, PAGE);
        pos += PAGE;
    }

    /** Adds an all-zero page as a marker without bytes. */
    public void addZero(int page) {
        entry(page, Encoding.ZERO, 0);
    }

    private void entry(int page, Encoding encoding, int len) {
        lastEntry = ENTRY + len;
        buf.putInt(pos, page);
        buf.put(pos + 4, (byte) encoding.code());
        buf.putInt(pos + 5, len);
        pos += ENTRY;
        count++;
        rawBytes += PAGE;
    }

    /** Bytes the last page added takes in the frame: its entry header and encoded bytes. */
    public int lastEntryBytes() {
        return lastEntry;
    }

    /** Pages in the batch. */
    public int count() {
        return count;
    }

    /** Bytes the batch's pages hold before encoding (pages x 4 KiB). */
    public long rawBytes() {
        return rawBytes;
    }

    /** True when no more pages should be added. */
    public boolean full() {
        return count >= MAX_PAGES || pos - START >= MAX_BYTES;
    }

    /** The round the batch belongs to. */
    public int round() {
        return round;
    }

    /** Completes the frame in place; its bytes are {@link #frameBytes()}. Returns their length. */
    public int seal() {
        buf.putInt(FrameCodec.HEADER, round);
        buf.putShort(FrameCodec.HEADER + 4, (short) count);
        FrameCodec.seal(buf, FrameType.PAGES, pos - FrameCodec.HEADER);
        return pos;
    }

    /** Length of the frame after {@link #seal}. */
    public int length() {
        return pos;
    }

    /** The sealed frame's bytes: a view from 0 to {@link #length()}. */
    public ByteBuffer frameBytes() {
        return buf.duplicate().position(0).limit(pos);
    }

    /** The batch as a {@link Frame} (a copy; for tests and tools). */
    public Frame frame() {
        seal();
        byte[] payload = new byte[pos - FrameCodec.HEADER];
        buf.get(FrameCodec.HEADER, payload);
        return new Frame(FrameType.PAGES, payload);
    }
}
