package dev.ferry.migration.transfer;

import dev.ferry.migration.wire.Frame;
import dev.ferry.migration.wire.FrameType;
import dev.ferry.migration.wire.PayloadWriter;

/**
 * Accumulates encoded pages into one PAGES frame: round (4 bytes), page count (2), then per page its index
 * (4), encoding code (1), length (4) and bytes. Full at {@link #MAX_PAGES} pages or about 256 KiB.
 */
public final class PageBatchWriter {

    /** Most pages in one batch. */
    public static final int MAX_PAGES = 64;
    private static final int MAX_BYTES = 256 * 1024;

    private final int round;
    private final PayloadWriter body = new PayloadWriter(MAX_BYTES + 8192);
    private int count;

    /** An empty batch of round {@code round}. */
    public PageBatchWriter(int round) {
        this.round = round;
    }

    /** Adds a page. */
    public void add(int page, Encoding encoding, byte[] bytes, int len) {
        body.i32(page).u8(encoding.code()).bytes(bytes, 0, len);
        count++;
    }

    /** Pages in the batch. */
    public int count() {
        return count;
    }

    /** True when no more pages should be added. */
    public boolean full() {
        return count >= MAX_PAGES || body.size() >= MAX_BYTES;
    }

    /** The round the batch belongs to. */
    public int round() {
        return round;
    }

    /** The PAGES frame. */
    public Frame frame() {
        byte[] b = body.toByteArray();
        PayloadWriter w = new PayloadWriter(b.length + 6).i32(round).u16(count).raw(b);
        return w.frame(FrameType.PAGES);
    }
}
