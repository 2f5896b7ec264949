package dev.ferry.machine.cpu;

import dev.ferry.machine.memory.GuestMemory;

/**
 * A decoded block: instructions starting at a physical address and running on past conditional branches (a
 * taken one leaves the block early) up to a jump, a system instruction, an illegal encoding or the end of the
 * page. Each instruction is one packed int (operation code and register indices) plus one long (immediate,
 * precomputed target or raw bits). Successor links chain blocks so that hot loops run without table lookups;
 * {@link #valid} turns false when the code may have been overwritten.
 */
final class Block {

    /** Address of the first instruction as the hart sees it: virtual when translation was on at decode time. */
    final long pc;
    /** Physical address of the first instruction (equal to {@link #pc} without translation). */
    final long phys;
    /** Packed: bits 0-7 operation, 8-13 rd (0 mapped to the scratch register 32), 14-19 rs1, 20-25 rs2. */
    final int[] ops;
    final long[] imm;
    /** Byte offset of each instruction from {@link #pc}; {@code offs[len]} is the block's size. */
    final int[] offs;
    final int len;
    /** Address after the block's last instruction; also the link value of a terminating jal/jalr. */
    final long fallPc;
    /** True when the last instruction is a system instruction, after which the run loop must re-check state. */
    final boolean exitAfter;
    /** True when the last instruction continues on the next page. */
    final boolean crossesPage;

    /** The halfwords the block was decoded from, to re-verify it against memory. */
    final char[] source;

    /** False once the code may have changed; the next entry re-verifies {@link #source}. */
    boolean valid = true;
    /** True when every entry must compare {@link #source} with memory (a page-crossing instruction). */
    boolean verify;
    /**
     * The 64-byte granules of its page that a store could change the block through: those holding its bytes,
     * widened by 7 bytes downwards for stores that start before the block.
     */
    final long granules;
    int listIndex;
    Block fallNext;
    /** The two most recent other successors (taken branches, jump targets). */
    long takenPc = -1;
    Block takenNext;
    long otherPc = -1;
    Block otherNext;
    /** Compiled code starting at this block ({@link Jit}), and the entry count that makes it hot. */
    CompiledRegion jit;
    int heat;
    /** True while the CPU lists this block among those whose links a translation change must cut. */
    boolean tracked;
    /**
     * True when the block was found through the fetch TLB (S/U with satp on); such a block is never reused for
     * an untranslated fetch of the same address, nor the other way round, so links never cross the two.
     */
    boolean translated;

    Block(long pc, long phys, int[] ops, long[] imm, int[] offs, int len, boolean exitAfter, boolean crossesPage,
            char[] source) {
        this.source = source;
        this.pc = pc;
        this.phys = phys;
        this.ops = ops;
        this.imm = imm;
        this.offs = offs;
        this.len = len;
        this.fallPc = pc + offs[len];
        this.exitAfter = exitAfter;
        this.crossesPage = crossesPage;
        long first = Math.max(0, (pc & GuestMemory.PAGE_MASK) - 7) >>> 6;
        long last = Math.min(GuestMemory.PAGE_SIZE - 1, (pc & GuestMemory.PAGE_MASK) + offs[len] - 1) >>> 6;
        this.granules = (last == 63 ? -1L : (1L << (last + 1)) - 1) & -(1L << first);
    }
}
