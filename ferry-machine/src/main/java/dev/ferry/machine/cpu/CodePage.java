package dev.ferry.machine.cpu;

import dev.ferry.machine.memory.GuestMemory;

import java.util.Arrays;

/**
 * The decoded blocks of one RAM page. Normally the page is watched: guest memory reports the first write to
 * it, which marks its blocks invalid until they are re-verified against memory. A page whose code keeps
 * being written (code and hot data sharing a page) switches to verify mode: it is no longer watched, and its
 * blocks compare their source bytes on every entry instead.
 */
final class CodePage {

    /** Write notifications after which a page stops being watched and verifies on entry instead. */
    static final int VERIFY_THRESHOLD = 8;

    /** Blocks by start address: index {@code (pc & 0xfff) >> 1}. */
    final Block[] table = new Block[GuestMemory.PAGE_SIZE / 2];
    private Block[] blocks = new Block[8];
    private int count;
    boolean watched;
    boolean verifyMode;
    private int writes;

    /** Registers a block decoded at {@code index}, replacing any previous block there. */
    void put(int index, Block b) {
        b.verify = b.crossesPage || verifyMode;
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

    /** The page was written: every block must be re-verified before it runs again. */
    void written() {
        watched = false;
        if (!verifyMode && ++writes >= VERIFY_THRESHOLD) {
            verifyMode = true;
        }
        for (int i = 0; i < count; i++) {
            Block b = blocks[i];
            b.valid = false;
            b.verify |= verifyMode;
        }
    }

    /** Drops every block (fence.i). */
    void invalidateAll() {
        for (int i = 0; i < count; i++) {
            blocks[i].valid = false;
        }
    }
}
