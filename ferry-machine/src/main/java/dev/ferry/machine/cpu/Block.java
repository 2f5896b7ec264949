package dev.ferry.machine.cpu;

/**
 * A decoded basic block: straight-line instructions starting at a physical address, ending at a control
 * transfer, a system instruction or the end of a page. Each instruction is one packed int (operation code and
 * register indices) plus one long (immediate, precomputed target or raw bits). Successor links chain blocks
 * so that hot loops run without table lookups; {@link #valid} turns false when the code is overwritten.
 */
final class Block {

    final long pc;
    /** Packed: bits 0-7 operation, 8-13 rd (0 mapped to the scratch register 32), 14-19 rs1, 20-25 rs2. */
    final int[] ops;
    final long[] imm;
    /** Byte offset of each instruction from {@link #pc}; {@code offs[len]} is the block's size. */
    final int[] offs;
    final int len;
    /** Address of the instruction after the block; also the link value of a terminating jal/jalr. */
    final long fallPc;
    /** True when the last instruction is a system instruction, after which the run loop must re-check state. */
    final boolean exitAfter;
    /** True when the last instruction continues on the next page. */
    final boolean crossesPage;

    /** The halfwords the block was decoded from, to re-verify it against memory. */
    final char[] source;

    /** False once the code may have changed; the next entry re-verifies {@link #source}. */
    boolean valid = true;
    /** True when every entry must compare {@link #source} with memory (page in verify mode, or page-crossing). */
    boolean verify;
    int listIndex;
    Block fallNext;
    long takenPc = -1;
    Block takenNext;
    /** Compiled code starting at this block ({@link Jit}), and the entry count that makes it hot. */
    CompiledRegion jit;
    int heat;

    Block(long pc, int[] ops, long[] imm, int[] offs, int len, boolean exitAfter, boolean crossesPage,
            char[] source) {
        this.source = source;
        this.pc = pc;
        this.ops = ops;
        this.imm = imm;
        this.offs = offs;
        this.len = len;
        this.fallPc = pc + offs[len];
        this.exitAfter = exitAfter;
        this.crossesPage = crossesPage;
    }
}
