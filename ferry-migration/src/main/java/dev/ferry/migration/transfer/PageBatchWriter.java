package dev.ferry.migration.transfer;

import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.migration.wire.Frame;
import dev.ferry.migration.wire.FrameCodec;
import dev.ferry.migration.wire.FrameType;
import java.util.Arrays;

/**
 * Accumulates encoded pages into one PAGES frame: round (4 bytes), page count (2), then per page its index
 * (4), encoding code (1), length (4) and bytes. Full at {@link #MAX_PAGES} pages or about 256 KiB. The frame is
 * built in place behind room for the frame header, so a page is copied once on its way to the socket; the
 * writer is reused for the next batch after {@link #reset}.
 */
public final class PageBatchWriter {

    /** Most pages in one batch. */
    public static final int MAX_PAGES = 64;
    private static final int MAX_BYTES = 256 * 1024;
    private static final int START = FrameCodec.HEADER + 6;

    private final byte[] buf = new byte[START + MAX_BYTES + GuestMemory.PAGE_SIZE + 64];
    private int round;
    private int pos = START;
    private int count;

    /** An empty batch of round {@code round}. */
    public PageBatchWriter(int round) {
        this.round = round;
    }

    /** Empties the batch for round {@code r}. */
    public void reset(int r) {
        round = r;
        pos = START;
        count = 0;
    }

    /** Adds a page whose encoded bytes are {@code data[off, off+len)}. */
    public void add(int page, Encoding encoding, byte[] data, int off, int len) {
        putInt(pos, page);
        buf[pos + 4] = (byte) encoding.code();
        putInt(pos + 5, len);
        System.arraycopy(data, off, buf, pos + 9, len);
        pos += 9 + len;
        count++;
    }

    /** Pages in the batch. */
    public int count() {
        return count;
    }

    /** True when no more pages should be added. */
    public boolean full() {
        return count >= MAX_PAGES || pos - START >= MAX_BYTES;
    }

    /** The round the batch belongs to. */
    public int round() {
        return round;
    }

    /** Completes the frame in place; its bytes are {@code buffer()[0, length)}. Returns that length. */
    public int seal() {
        putInt(FrameCodec.HEADER, round);
        buf[FrameCodec.HEADER + 4] = (byte) (count >>> 8);
        buf[FrameCodec.HEADER + 5] = (byte) count;
        FrameCodec.seal(buf, FrameType.PAGES, pos - FrameCodec.HEADER);
        return pos;
    }

    /** Length of the frame after {@link #seal}. */
    public int length() {
        return pos;
    }

    /** The frame bytes after {@link #seal}. */
    public byte[] buffer() {
        return buf;
    }

    /** The batch as a {@link Frame} (a copy; for tests and tools). */
    public Frame frame() {
        seal();
        return new Frame(FrameType.PAGES, Arrays.copyOfRange(buf, FrameCodec.HEADER, pos));
    }

    private void putInt(int at, int v) {
        buf[at] = (byte) (v >>> 24);
        buf[at + 1] = (byte) (v >>> 16);
        buf[at + 2] = (byte) (v >>> 8);
        buf[at + 3] = (byte) v;
    }
}
