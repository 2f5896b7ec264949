package dev.ferry.machine.cpu;

import dev.ferry.machine.memory.GuestMemory;

import java.util.Arrays;

/**
 * Turns guest code in RAM into {@link Block}s: RV64IMAFDC plus the system instructions of Zicsr and Zifencei
 * (F and D instructions become one {@link Op#FP} each, see {@link Fpu}).
 * Encodings that are reserved or belong to extensions we do not implement become {@link Op#ILLEGAL} carrying
 * the raw instruction bits (QEMU reports them in {@code mtval}).
 */
final class Decoder {

    static final int MAX_BLOCK = 512;

    private final GuestMemory ram;
    private final int[] ops = new int[MAX_BLOCK];
    private final long[] imm = new long[MAX_BLOCK];
    private final int[] offs = new int[MAX_BLOCK + 1];
    private final char[] source = new char[2 * MAX_BLOCK];
    private int n;
    private int halfwords;

    Decoder(GuestMemory ram) {
        this.ram = ram;
    }

    /** Decodes the block at {@code pc} without translation: {@link #decode(long, long, long)} at {@code pc}. */
    Block decode(long pc) {
        return decode(pc, pc, (pc | GuestMemory.PAGE_MASK) + 1);
    }

    /**
     * Decodes the block at virtual address {@code pc}, read from physical address {@code phys} (which must have
     * at least two bytes inside RAM); only a block's first instruction may cross the page end, and its second
     * half is then read at {@code nextPage}, the physical address of the next virtual page.
     */
    Block decode(long pc, long phys, long nextPage) {
        n = 0;
        halfwords = 0;
        long delta = phys - pc;
        long p = pc;
        long pageEnd = (pc | GuestMemory.PAGE_MASK) + 1;
        boolean crosses = false;
        while (n < MAX_BLOCK && p != pageEnd) {
            long instStart = p;
            int sourceStart = halfwords;
            int lo = ram.load16(p + delta);
            offs[n] = (int) (p - pc);
            source[halfwords++] = (char) lo;
            if ((lo & 3) != 3) {
                compressed(lo, p);
                p += 2;
            } else {
                long hiAddr = p + 2 == pageEnd ? nextPage : p + 2 + delta;
                if (n > 0 && (p + 2 == pageEnd || !ram.contains(hiAddr, 2))) {
                    // A page-crossing instruction gets a block of its own (it re-verifies on every entry).
                    halfwords--;
                    break;
                }
                if (!ram.contains(hiAddr, 2)) {
                    emit(Op.FETCH_FAULT, 0, 0, 0, p + 2);
                    p += 4;
                } else {
                    if (p + 2 == pageEnd) {
                        crosses = true;
                    }
                    int hi = ram.load16(hiAddr);
                    source[halfwords++] = (char) hi;
                    int inst = lo | hi << 16;
                    full(inst, p);
                    p += 4;
                }
            }
            if ((ops[n - 1] & 0xff) == Op.ILLEGAL && n > 1) {
                // Keep illegal encodings (often data after code) out of longer blocks: see CodePage.
                n--;
                p = instStart;
                halfwords = sourceStart;
                break;
            }
            if (Op.endsBlock(ops[n - 1] & 0xff)) {
                break;
            }
            if (crosses) {
                break;
            }
        }
        offs[n] = (int) (p - pc);
        int last = ops[n - 1] & 0xff;
        return new Block(pc, phys, Arrays.copyOf(ops, n), Arrays.copyOf(imm, n),
                Arrays.copyOf(offs, n + 1), n, last == Op.SYSTEM, crosses,
                Arrays.copyOf(source, halfwords));
    }

    private void emit(int op, int rd, int rs1, int rs2, long value) {
        ops[n] = op | (rd == 0 ? 32 : rd) << 8 | rs1 << 14 | rs2 << 20;
        imm[n] = value;
        n++;
    }

    private void illegal(long raw) {
        emit(Op.ILLEGAL, 0, 0, 0, raw);
    }

    // ---------------------------------------------------------------- 32-bit encodings

    private void full(int inst, long pc) {
        int rd = (inst >>> 7) & 31;
        int f3 = (inst >>> 12) & 7;
        int rs1 = (inst >>> 15) & 31;
        int rs2 = (inst >>> 20) & 31;
        int f7 = inst >>> 25;
        long immI = inst >> 20;
        long raw = inst & 0xffff_ffffL;
        switch (inst & 0x7f) {
            case 0x37 -> emit(Op.LI, rd, 0, 0, inst & 0xffff_f000);
            case 0x17 -> emit(Op.LI, rd, 0, 0, pc + (inst & 0xffff_f000));
            case 0x6f -> {
                long off = ((inst >> 31) << 20) | (inst & 0xff000) | ((inst >>> 9) & 0x800) | ((inst >>> 20) & 0x7fe);
                emit(Op.JAL, rd, 0, 0, pc + off);
            }
            case 0x67 -> {
                if (f3 == 0) {
                    emit(Op.JALR, rd, rs1, 0, immI);
                } else {
                    illegal(raw);
                }
            }
            case 0x63 -> {
                long off = ((inst >> 31) << 12) | ((inst << 4) & 0x800) | ((inst >>> 20) & 0x7e0)
                        | ((inst >>> 7) & 0x1e);
                int op = switch (f3) {
                    case 0 -> Op.BEQ;
                    case 1 -> Op.BNE;
                    case 4 -> Op.BLT;
                    case 5 -> Op.BGE;
                    case 6 -> Op.BLTU;
                    case 7 -> Op.BGEU;
                    default -> -1;
                };
                if (op < 0) {
                    illegal(raw);
                } else {
                    emit(op, 0, rs1, rs2, pc + off);
                }
            }
            case 0x03 -> {
                int op = switch (f3) {
                    case 0 -> Op.LB;
                    case 1 -> Op.LH;
                    case 2 -> Op.LW;
                    case 3 -> Op.LD;
                    case 4 -> Op.LBU;
                    case 5 -> Op.LHU;
                    case 6 -> Op.LWU;
                    default -> -1;
                };
                if (op < 0) {
                    illegal(raw);
                } else {
                    emit(op, rd, rs1, 0, immI);
                }
            }
            case 0x23 -> {
                long off = ((inst >> 25) << 5) | ((inst >>> 7) & 31);
                if (f3 > 3) {
                    illegal(raw);
                } else {
                    emit(Op.SB + f3, 0, rs1, rs2, off);
                }
            }
            case 0x13 -> opImm(inst, rd, f3, rs1, immI, raw);
            case 0x1b -> opImm32(inst, rd, f3, rs1, immI, raw);
            case 0x33 -> op(rd, f3, rs1, rs2, f7, raw);
            case 0x3b -> op32(rd, f3, rs1, rs2, f7, raw);
            case 0x0f -> {
                if (f3 == 0) {
                    emit(Op.NOP, 0, 0, 0, 0);
                } else if (f3 == 1) {
                    emit(Op.SYSTEM, 0, 0, 0, raw);
                } else {
                    illegal(raw);
                }
            }
            case 0x73 -> {
                if (f3 == 4) {
                    illegal(raw);
                } else {
                    emit(Op.SYSTEM, 0, 0, 0, raw);
                }
            }
            case 0x2f -> {
                int f5 = inst >>> 27;
                boolean known = switch (f5) {
                    case 0x00, 0x01, 0x03, 0x04, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c -> true;
                    case 0x02 -> rs2 == 0;
                    default -> false;
                };
                if ((f3 == 2 || f3 == 3) && known) {
                    emit(Op.AMO, 0, 0, 0, raw);
                } else {
                    illegal(raw);
                }
            }
            case 0x07, 0x27, 0x43, 0x47, 0x4b, 0x4f, 0x53 -> floatingPoint(inst, 0);
            default -> illegal(raw);
        }
    }

    /** An F/D instruction; {@code compressed} is the 16-bit original of an expanded one, else 0. */
    private void floatingPoint(int inst, int compressed) {
        if (Fpu.valid(inst)) {
            // the integer registers it writes and reads, for the JIT's register allocation
            emit(Op.FP, Fpu.integerRd(inst), Fpu.integerRs1(inst), 0, (inst & 0xffff_ffffL) | (long) compressed << 32);
        } else {
            illegal(compressed != 0 ? compressed : inst & 0xffff_ffffL);
        }
    }

    /** fld rd, off(rs1) or fsd rs2, off(rs1): the 32-bit forms of c.fld, c.fsd, c.fldsp and c.fsdsp. */
    private void compressedFp(int c, boolean store, int reg, int base, int off) {
        int inst = store
                ? (off >>> 5) << 25 | reg << 20 | base << 15 | 3 << 12 | (off & 31) << 7 | 0x27
                : off << 20 | base << 15 | 3 << 12 | reg << 7 | 0x07;
        floatingPoint(inst, c);
    }

    private void opImm(int inst, int rd, int f3, int rs1, long immI, long raw) {
        int f6 = inst >>> 26;
        switch (f3) {
            case 0 -> emit(Op.ADDI, rd, rs1, 0, immI);
            case 2 -> emit(Op.SLTI, rd, rs1, 0, immI);
            case 3 -> emit(Op.SLTIU, rd, rs1, 0, immI);
            case 4 -> emit(Op.XORI, rd, rs1, 0, immI);
            case 6 -> emit(Op.ORI, rd, rs1, 0, immI);
            case 7 -> emit(Op.ANDI, rd, rs1, 0, immI);
            case 1 -> {
                if (f6 == 0) {
                    emit(Op.SLLI, rd, rs1, 0, immI & 63);
                } else {
                    illegal(raw);
                }
            }
            default -> {
                if (f6 == 0) {
                    emit(Op.SRLI, rd, rs1, 0, immI & 63);
                } else if (f6 == 0x10) {
                    emit(Op.SRAI, rd, rs1, 0, immI & 63);
                } else {
                    illegal(raw);
                }
            }
        }
    }

    private void opImm32(int inst, int rd, int f3, int rs1, long immI, long raw) {
        int f7 = inst >>> 25;
        switch (f3) {
            case 0 -> emit(Op.ADDIW, rd, rs1, 0, immI);
            case 1 -> {
                if (f7 == 0) {
                    emit(Op.SLLIW, rd, rs1, 0, immI & 31);
                } else {
                    illegal(raw);
                }
            }
            case 5 -> {
                if (f7 == 0) {
                    emit(Op.SRLIW, rd, rs1, 0, immI & 31);
                } else if (f7 == 0x20) {
                    emit(Op.SRAIW, rd, rs1, 0, immI & 31);
                } else {
                    illegal(raw);
                }
            }
            default -> illegal(raw);
        }
    }

    private void op(int rd, int f3, int rs1, int rs2, int f7, long raw) {
        int op = -1;
        if (f7 == 0) {
            op = switch (f3) {
                case 0 -> Op.ADD;
                case 1 -> Op.SLL;
                case 2 -> Op.SLT;
                case 3 -> Op.SLTU;
                case 4 -> Op.XOR;
                case 5 -> Op.SRL;
                case 6 -> Op.OR;
                default -> Op.AND;
            };
        } else if (f7 == 0x20) {
            op = f3 == 0 ? Op.SUB : f3 == 5 ? Op.SRA : -1;
        } else if (f7 == 1) {
            op = Op.MUL + f3;
        }
        if (op < 0) {
            illegal(raw);
        } else {
            emit(op, rd, rs1, rs2, 0);
        }
    }

    private void op32(int rd, int f3, int rs1, int rs2, int f7, long raw) {
        int op = -1;
        if (f7 == 0) {
            op = f3 == 0 ? Op.ADDW : f3 == 1 ? Op.SLLW : f3 == 5 ? Op.SRLW : -1;
        } else if (f7 == 0x20) {
            op = f3 == 0 ? Op.SUBW : f3 == 5 ? Op.SRAW : -1;
        } else if (f7 == 1) {
            op = switch (f3) {
                case 0 -> Op.MULW;
                case 4 -> Op.DIVW;
                case 5 -> Op.DIVUW;
                case 6 -> Op.REMW;
                case 7 -> Op.REMUW;
                default -> -1;
            };
        }
        if (op < 0) {
            illegal(raw);
        } else {
            emit(op, rd, rs1, rs2, 0);
        }
    }

    // ---------------------------------------------------------------- compressed encodings

    private static int bit(int v, int b) {
        return (v >>> b) & 1;
    }

    private static int bits(int v, int hi, int lo) {
        return (v >>> lo) & ((1 << (hi - lo + 1)) - 1);
    }

    private void compressed(int c, long pc) {
        int f3 = c >>> 13;
        int rdFull = bits(c, 11, 7);
        int rs2Full = bits(c, 6, 2);
        int rdP = 8 + bits(c, 4, 2);
        int rs1P = 8 + bits(c, 9, 7);
        long imm6 = (long) ((bit(c, 12) << 5 | bits(c, 6, 2)) << 26 >> 26);
        switch (c & 3) {
            case 0 -> {
                switch (f3) {
                    case 0 -> {
                        int nzuimm = bits(c, 12, 11) << 4 | bits(c, 10, 7) << 6 | bit(c, 6) << 2 | bit(c, 5) << 3;
                        if (nzuimm == 0) {
                            illegal(c);
                        } else {
                            emit(Op.ADDI, rdP, 2, 0, nzuimm);
                        }
                    }
                    case 1 -> compressedFp(c, false, rdP, rs1P, bits(c, 12, 10) << 3 | bits(c, 6, 5) << 6);
                    case 2 -> emit(Op.LW, rdP, rs1P, 0, bits(c, 12, 10) << 3 | bit(c, 6) << 2 | bit(c, 5) << 6);
                    case 3 -> emit(Op.LD, rdP, rs1P, 0, bits(c, 12, 10) << 3 | bits(c, 6, 5) << 6);
                    case 5 -> compressedFp(c, true, rdP, rs1P, bits(c, 12, 10) << 3 | bits(c, 6, 5) << 6);
                    case 6 -> emit(Op.SW, 0, rs1P, rdP, bits(c, 12, 10) << 3 | bit(c, 6) << 2 | bit(c, 5) << 6);
                    case 7 -> emit(Op.SD, 0, rs1P, rdP, bits(c, 12, 10) << 3 | bits(c, 6, 5) << 6);
                    default -> illegal(c);
                }
            }
            case 1 -> {
                switch (f3) {
                    case 0 -> emit(Op.ADDI, rdFull, rdFull, 0, imm6);
                    case 1 -> {
                        if (rdFull == 0) {
                            illegal(c);
                        } else {
                            emit(Op.ADDIW, rdFull, rdFull, 0, imm6);
                        }
                    }
                    case 2 -> emit(Op.ADDI, rdFull, 0, 0, imm6);
                    case 3 -> {
                        if (rdFull == 2) {
                            int v = bit(c, 12) << 9 | bit(c, 6) << 4 | bit(c, 5) << 6 | bits(c, 4, 3) << 7 | bit(c, 2) << 5;
                            if (v == 0) {
                                illegal(c);
                            } else {
                                emit(Op.ADDI, 2, 2, 0, (long) (v << 22 >> 22));
                            }
                        } else if (imm6 == 0) {
                            illegal(c);
                        } else {
                            emit(Op.LI, rdFull, 0, 0, imm6 << 12);
                        }
                    }
                    case 4 -> arith(c, rs1P, rdP, imm6);
                    case 5 -> emit(Op.JAL, 0, 0, 0, pc + jumpOffset(c));
                    default -> {
                        int v = bit(c, 12) << 8 | bits(c, 11, 10) << 3 | bits(c, 6, 5) << 6 | bits(c, 4, 3) << 1
                                | bit(c, 2) << 5;
                        emit(f3 == 6 ? Op.BEQ : Op.BNE, 0, rs1P, 0, pc + (v << 23 >> 23));
                    }
                }
            }
            default -> {
                switch (f3) {
                    case 0 -> emit(Op.SLLI, rdFull, rdFull, 0, imm6 & 63);
                    case 1 -> compressedFp(c, false, rdFull, 2, bit(c, 12) << 5 | bits(c, 6, 5) << 3 | bits(c, 4, 2) << 6);
                    case 5 -> compressedFp(c, true, rs2Full, 2, bits(c, 12, 10) << 3 | bits(c, 9, 7) << 6);
                    case 2 -> {
                        if (rdFull == 0) {
                            illegal(c);
                        } else {
                            emit(Op.LW, rdFull, 2, 0, bit(c, 12) << 5 | bits(c, 6, 4) << 2 | bits(c, 3, 2) << 6);
                        }
                    }
                    case 3 -> {
                        if (rdFull == 0) {
                            illegal(c);
                        } else {
                            emit(Op.LD, rdFull, 2, 0, bit(c, 12) << 5 | bits(c, 6, 5) << 3 | bits(c, 4, 2) << 6);
                        }
                    }
                    case 4 -> {
                        if (bit(c, 12) == 0) {
                            if (rs2Full == 0) {
                                if (rdFull == 0) {
                                    illegal(c);
                                } else {
                                    emit(Op.JALR, 0, rdFull, 0, 0);
                                }
                            } else {
                                emit(Op.ADD, rdFull, 0, rs2Full, 0);
                            }
                        } else if (rs2Full == 0) {
                            if (rdFull == 0) {
                                emit(Op.SYSTEM, 0, 0, 0, 0x0010_0073L);
                            } else {
                                emit(Op.JALR, 1, rdFull, 0, 0);
                            }
                        } else {
                            emit(Op.ADD, rdFull, rdFull, rs2Full, 0);
                        }
                    }
                    case 6 -> emit(Op.SW, 0, 2, rs2Full, bits(c, 12, 9) << 2 | bits(c, 8, 7) << 6);
                    case 7 -> emit(Op.SD, 0, 2, rs2Full, bits(c, 12, 10) << 3 | bits(c, 9, 7) << 6);
                    default -> illegal(c);
                }
            }
        }
    }

    private void arith(int c, int rd, int rs2, long imm6) {
        switch (bits(c, 11, 10)) {
            case 0 -> emit(Op.SRLI, rd, rd, 0, imm6 & 63);
            case 1 -> emit(Op.SRAI, rd, rd, 0, imm6 & 63);
            case 2 -> emit(Op.ANDI, rd, rd, 0, imm6);
            default -> {
                int sel = bits(c, 6, 5);
                if (bit(c, 12) == 0) {
                    int op = sel == 0 ? Op.SUB : sel == 1 ? Op.XOR : sel == 2 ? Op.OR : Op.AND;
                    emit(op, rd, rd, rs2, 0);
                } else if (sel == 0) {
                    emit(Op.SUBW, rd, rd, rs2, 0);
                } else if (sel == 1) {
                    emit(Op.ADDW, rd, rd, rs2, 0);
                } else {
                    illegal(c);
                }
            }
        }
    }

    private static long jumpOffset(int c) {
        int v = bit(c, 12) << 11 | bit(c, 11) << 4 | bits(c, 10, 9) << 8 | bit(c, 8) << 10 | bit(c, 7) << 6
                | bit(c, 6) << 7 | bits(c, 5, 3) << 1 | bit(c, 2) << 5;
        return v << 20 >> 20;
    }
}
