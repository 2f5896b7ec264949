package dev.ferry.machine.cpu;

import dev.ferry.machine.memory.GuestMemory;

import java.util.Arrays;

/**
 * The decoded blocks of one RAM page. Normally the page is watched: guest memory reports the first write to
 * it, which marks its blocks invalid until they are re-verified against memory. A page that keeps being
 * written (code and hot data sharing a page) switches to granule mode: it is no longer watched; instead the
 * CPU's stores test a per-page mask of 64-byte granules that hold code, and a hit invalidates only the blocks
 * on that granule. A block with a page-crossing instruction compares its source bytes on every entry.
 */
final class CodePage {

    /** Write notifications after which a page stops being watched and switches to granule mode. */
    static final int GRANULE_THRESHOLD = 8;

    /** Blocks by start address: index {@code (pc & 0xfff) >> 1}. */
    final Block[] table = new Block[GuestMemory.PAGE_SIZE / 2];
    private Block[] blocks = new Block[8];
    private int count;
    boolean watched;
    boolean granuleMode;
    private int writes;

    /** Registers a block decoded at {@code index}, replacing any previous block there. */
    void put(int index, Block b) {
        b.verify = b.crossesPage;
        Block old = table[index];
        table[index] = b;
        if (old != null) {
            b.listIndex = old.listIndex;
            blocks[old.listIndex] = b;
            return;
        }
        if (count == blocks.length) {
            blocks = Arrays.copyOf(blocks, count * 2);
        }
        b.listIndex = count;
        blocks[count++] = b;
    }

    /**
     * The watched page was written: every block must be re-verified before it runs again.
     *
     * @return true when the page has now switched to granule mode
     */
    boolean written() {
        watched = false;
        for (int i = 0; i < count; i++) {
            blocks[i].valid = false;
        }
        if (!granuleMode && ++writes >= GRANULE_THRESHOLD) {
            granuleMode = true;
            return true;
        }
        return false;
    }

    /** Union of the granule masks of all blocks. */
    long granules() {
        long mask = 0;
        for (int i = 0; i < count; i++) {
            mask |= blocks[i].granules;
        }
        return mask;
    }

    /**
     * A store wrote page offsets {@code [from, to]} (granules {@code mask}): blocks holding any of those bytes
     * must be re-verified.
     *
     * @return true when a block was invalidated
     */
    boolean bytesWritten(long from, long to, long mask) {
        boolean hit = false;
        for (int i = 0; i < count; i++) {
            Block b = blocks[i];
            if ((b.granules & mask) != 0) {
                long start = b.pc & GuestMemory.PAGE_MASK;
                if (from < start + b.offs[b.len] && start <= to) {
                    b.valid = false;
                    hit = true;
                }
            }
        }
        return hit;
    }

    /** Drops every block (fence.i). */
    void invalidateAll() {
        for (int i = 0; i < count; i++) {
            blocks[i].valid = false;
        }
    }
}
