package dev.ferry.machine.cpu;

/**
 * The internal operation codes a decoded instruction is reduced to. Compressed instructions map onto the
 * same codes as their 32-bit equivalents, and constant-producing instructions (lui, auipc) become {@link #LI},
 * so the interpreter's switch stays small enough for the JIT to compile it as one method.
 */
final class Op {

    private Op() {
    }

    static final int ILLEGAL = 0;
    static final int FETCH_FAULT = 1;
    static final int LI = 2;
    static final int ADDI = 3;
    static final int SLTI = 4;
    static final int SLTIU = 5;
    static final int XORI = 6;
    static final int ORI = 7;
    static final int ANDI = 8;
    static final int SLLI = 9;
    static final int SRLI = 10;
    static final int SRAI = 11;
    static final int ADDIW = 12;
    static final int SLLIW = 13;
    static final int SRLIW = 14;
    static final int SRAIW = 15;
    static final int ADD = 16;
    static final int SUB = 17;
    static final int SLL = 18;
    static final int SLT = 19;
    static final int SLTU = 20;
    static final int XOR = 21;
    static final int SRL = 22;
    static final int SRA = 23;
    static final int OR = 24;
    static final int AND = 25;
    static final int ADDW = 26;
    static final int SUBW = 27;
    static final int SLLW = 28;
    static final int SRLW = 29;
    static final int SRAW = 30;
    static final int MUL = 31;
    static final int MULH = 32;
    static final int MULHSU = 33;
    static final int MULHU = 34;
    static final int DIV = 35;
    static final int DIVU = 36;
    static final int REM = 37;
    static final int REMU = 38;
    static final int MULW = 39;
    static final int DIVW = 40;
    static final int DIVUW = 41;
    static final int REMW = 42;
    static final int REMUW = 43;
    static final int LB = 44;
    static final int LH = 45;
    static final int LW = 46;
    static final int LD = 47;
    static final int LBU = 48;
    static final int LHU = 49;
    static final int LWU = 50;
    static final int SB = 51;
    static final int SH = 52;
    static final int SW = 53;
    static final int SD = 54;
    static final int BEQ = 55;
    static final int BNE = 56;
    static final int BLT = 57;
    static final int BGE = 58;
    static final int BLTU = 59;
    static final int BGEU = 60;
    static final int JAL = 61;
    static final int JALR = 62;
    static final int AMO = 63;
    static final int SYSTEM = 64;
    static final int NOP = 65;
    /** An F or D instruction, run by {@link Fpu}; the immediate holds its encoding. */
    static final int FP = 66;

    /**
     * True for operations that end a block. Conditional branches do not: a block runs on past a branch that
     * is not taken (a superblock), and a taken branch leaves it early.
     */
    static boolean endsBlock(int op) {
        return op == ILLEGAL || op == FETCH_FAULT || op == JAL || op == JALR || op == SYSTEM;
    }
}
