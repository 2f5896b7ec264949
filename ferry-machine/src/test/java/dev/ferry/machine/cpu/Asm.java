package dev.ferry.machine.cpu;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A tiny RV64 assembler for tests: encodes instructions into bytes, with labels for branches and jumps. */
final class Asm {

    static final int ZERO = 0, RA = 1, SP = 2, GP = 3, TP = 4, T0 = 5, T1 = 6, T2 = 7, S0 = 8, S1 = 9;
    static final int A0 = 10, A1 = 11, A2 = 12, A3 = 13, A4 = 14, A5 = 15, A6 = 16, A7 = 17;
    static final int S2 = 18, S3 = 19, S4 = 20, S5 = 21, T3 = 28, T4 = 29, T5 = 30, T6 = 31;

    private final long origin;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Map<String, Long> labels = new HashMap<>();
    private final List<Fixup> fixups = new ArrayList<>();

    private record Fixup(int offset, String label, char kind, int template) { }

    Asm(long origin) {
        this.origin = origin;
    }

    long pc() {
        return origin + out.size();
    }

    Asm label(String name) {
        labels.put(name, pc());
        return this;
    }

    long addressOf(String name) {
        return labels.get(name);
    }

    Asm word(int w) {
        for (int i = 0; i < 4; i++) {
            out.write(w >>> (8 * i));
        }
        return this;
    }

    Asm half(int h) {
        out.write(h);
        out.write(h >>> 8);
        return this;
    }

    Asm dword(long v) {
        word((int) v);
        return word((int) (v >>> 32));
    }

    Asm align(int n) {
        while (out.size() % n != 0) {
            out.write(0);
        }
        return this;
    }

    byte[] bytes() {
        byte[] b = out.toByteArray();
        for (Fixup f : fixups) {
            long target = labels.get(f.label);
            long off = target - (origin + f.offset);
            int inst = f.kind == 'B' ? bType(f.template, off) : jType(f.template, off);
            for (int i = 0; i < 4; i++) {
                b[f.offset + i] = (byte) (inst >>> (8 * i));
            }
        }
        return b;
    }

    // ---------------------------------------------------------------- formats

    static int r(int f7, int rs2, int rs1, int f3, int rd, int opc) {
        return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
    }

    static int i(long imm, int rs1, int f3, int rd, int opc) {
        return (int) (imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
    }

    static int s(long imm, int rs2, int rs1, int f3, int opc) {
        int v = (int) imm;
        return (v >> 5 & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (v & 31) << 7 | opc;
    }

    private static int bType(int template, long off) {
        int v = (int) off;
        return template | (v >> 12 & 1) << 31 | (v >> 5 & 0x3f) << 25 | (v >> 1 & 0xf) << 8 | (v >> 11 & 1) << 7;
    }

    private static int jType(int template, long off) {
        int v = (int) off;
        return template | (v >> 20 & 1) << 31 | (v >> 1 & 0x3ff) << 21 | (v >> 11 & 1) << 20 | (v >> 12 & 0xff) << 12;
    }

    // ---------------------------------------------------------------- instructions

    Asm lui(int rd, int imm20) {
        return word(imm20 << 12 | rd << 7 | 0x37);
    }

    Asm auipc(int rd, int imm20) {
        return word(imm20 << 12 | rd << 7 | 0x17);
    }

    /** Loads any 64-bit constant (lui/addi/slli sequence). */
    Asm li(int rd, long v) {
        if (v == (int) v && v >= -2048 && v < 2048) {
            return addi(rd, ZERO, v);
        }
        if (v == (int) v) {
            long lo = (v << 52) >> 52;
            long hi = (v - lo) >>> 12;
            lui(rd, (int) hi & 0xfffff);
            return addiw(rd, rd, lo);
        }
        long lo = (v << 52) >> 52;
        long hi = (v - lo) >> 12;
        li(rd, hi);
        slli(rd, rd, 12);
        return addi(rd, rd, lo);
    }

    Asm addi(int rd, int rs1, long imm) { return word(i(imm, rs1, 0, rd, 0x13)); }
    Asm slti(int rd, int rs1, long imm) { return word(i(imm, rs1, 2, rd, 0x13)); }
    Asm sltiu(int rd, int rs1, long imm) { return word(i(imm, rs1, 3, rd, 0x13)); }
    Asm xori(int rd, int rs1, long imm) { return word(i(imm, rs1, 4, rd, 0x13)); }
    Asm ori(int rd, int rs1, long imm) { return word(i(imm, rs1, 6, rd, 0x13)); }
    Asm andi(int rd, int rs1, long imm) { return word(i(imm, rs1, 7, rd, 0x13)); }
    Asm slli(int rd, int rs1, int sh) { return word(i(sh, rs1, 1, rd, 0x13)); }
    Asm srli(int rd, int rs1, int sh) { return word(i(sh, rs1, 5, rd, 0x13)); }
    Asm srai(int rd, int rs1, int sh) { return word(i(0x400 | sh, rs1, 5, rd, 0x13)); }
    Asm addiw(int rd, int rs1, long imm) { return word(i(imm, rs1, 0, rd, 0x1b)); }
    Asm slliw(int rd, int rs1, int sh) { return word(i(sh, rs1, 1, rd, 0x1b)); }
    Asm srliw(int rd, int rs1, int sh) { return word(i(sh, rs1, 5, rd, 0x1b)); }
    Asm sraiw(int rd, int rs1, int sh) { return word(i(0x400 | sh, rs1, 5, rd, 0x1b)); }

    Asm op(String name, int rd, int rs1, int rs2) {
        int[] e = switch (name) {
            case "add" -> new int[] {0, 0, 0x33};
            case "sub" -> new int[] {0x20, 0, 0x33};
            case "sll" -> new int[] {0, 1, 0x33};
            case "slt" -> new int[] {0, 2, 0x33};
            case "sltu" -> new int[] {0, 3, 0x33};
            case "xor" -> new int[] {0, 4, 0x33};
            case "srl" -> new int[] {0, 5, 0x33};
            case "sra" -> new int[] {0x20, 5, 0x33};
            case "or" -> new int[] {0, 6, 0x33};
            case "and" -> new int[] {0, 7, 0x33};
            case "mul" -> new int[] {1, 0, 0x33};
            case "mulh" -> new int[] {1, 1, 0x33};
            case "mulhsu" -> new int[] {1, 2, 0x33};
            case "mulhu" -> new int[] {1, 3, 0x33};
            case "div" -> new int[] {1, 4, 0x33};
            case "divu" -> new int[] {1, 5, 0x33};
            case "rem" -> new int[] {1, 6, 0x33};
            case "remu" -> new int[] {1, 7, 0x33};
            case "addw" -> new int[] {0, 0, 0x3b};
            case "subw" -> new int[] {0x20, 0, 0x3b};
            case "sllw" -> new int[] {0, 1, 0x3b};
            case "srlw" -> new int[] {0, 5, 0x3b};
            case "sraw" -> new int[] {0x20, 5, 0x3b};
            case "mulw" -> new int[] {1, 0, 0x3b};
            case "divw" -> new int[] {1, 4, 0x3b};
            case "divuw" -> new int[] {1, 5, 0x3b};
            case "remw" -> new int[] {1, 6, 0x3b};
            case "remuw" -> new int[] {1, 7, 0x3b};
            default -> throw new IllegalArgumentException(name);
        };
        return word(r(e[0], rs2, rs1, e[1], rd, e[2]));
    }

    Asm add(int rd, int rs1, int rs2) { return op("add", rd, rs1, rs2); }

    Asm load(int f3, int rd, int rs1, long imm) { return word(i(imm, rs1, f3, rd, 0x03)); }
    Asm lb(int rd, int rs1, long imm) { return load(0, rd, rs1, imm); }
    Asm lh(int rd, int rs1, long imm) { return load(1, rd, rs1, imm); }
    Asm lw(int rd, int rs1, long imm) { return load(2, rd, rs1, imm); }
    Asm ld(int rd, int rs1, long imm) { return load(3, rd, rs1, imm); }
    Asm lbu(int rd, int rs1, long imm) { return load(4, rd, rs1, imm); }
    Asm lhu(int rd, int rs1, long imm) { return load(5, rd, rs1, imm); }
    Asm lwu(int rd, int rs1, long imm) { return load(6, rd, rs1, imm); }
    Asm sb(int rs2, int rs1, long imm) { return word(s(imm, rs2, rs1, 0, 0x23)); }
    Asm sh(int rs2, int rs1, long imm) { return word(s(imm, rs2, rs1, 1, 0x23)); }
    Asm sw(int rs2, int rs1, long imm) { return word(s(imm, rs2, rs1, 2, 0x23)); }
    Asm sd(int rs2, int rs1, long imm) { return word(s(imm, rs2, rs1, 3, 0x23)); }

    Asm branch(int f3, int rs1, int rs2, String label) {
        fixups.add(new Fixup(out.size(), label, 'B', rs2 << 20 | rs1 << 15 | f3 << 12 | 0x63));
        return word(0);
    }

    Asm beq(int rs1, int rs2, String l) { return branch(0, rs1, rs2, l); }
    Asm bne(int rs1, int rs2, String l) { return branch(1, rs1, rs2, l); }
    Asm blt(int rs1, int rs2, String l) { return branch(4, rs1, rs2, l); }
    Asm bge(int rs1, int rs2, String l) { return branch(5, rs1, rs2, l); }
    Asm bltu(int rs1, int rs2, String l) { return branch(6, rs1, rs2, l); }
    Asm bgeu(int rs1, int rs2, String l) { return branch(7, rs1, rs2, l); }

    Asm jal(int rd, String label) {
        fixups.add(new Fixup(out.size(), label, 'J', rd << 7 | 0x6f));
        return word(0);
    }

    Asm j(String label) { return jal(ZERO, label); }
    Asm jalr(int rd, int rs1, long imm) { return word(i(imm, rs1, 0, rd, 0x67)); }

    /** Loads the address of a label (auipc+addi; the label must be within +-2 KiB). */
    Asm la(int rd, String label) {
        long here = pc();
        fixups.add(new Fixup(out.size(), label, 'U', 0));
        auipc(rd, 0);
        addi(rd, rd, 0);
        laFix.add(new long[] {here, rd});
        return this;
    }

    private final List<long[]> laFix = new ArrayList<>();

    /** Resolves {@link #la} placeholders; call via {@link #assemble()}. */
    byte[] assemble() {
        List<Fixup> keep = new ArrayList<>();
        int k = 0;
        for (Fixup f : fixups) {
            if (f.kind == 'U') {
                long[] la = laFix.get(k++);
                long off = labels.get(f.label) - la[0];
                long lo = (off << 52) >> 52;
                long hi = (off - lo) >> 12;
                byte[] cur = out.toByteArray();
                int auipcW = (int) (hi & 0xfffff) << 12 | (int) la[1] << 7 | 0x17;
                int addiW = i(lo, (int) la[1], 0, (int) la[1], 0x13);
                patch.add(new int[] {f.offset, auipcW});
                patch.add(new int[] {f.offset + 4, addiW});
            } else {
                keep.add(f);
            }
        }
        fixups.clear();
        fixups.addAll(keep);
        byte[] b = bytes();
        for (int[] p : patch) {
            for (int i = 0; i < 4; i++) {
                b[p[0] + i] = (byte) (p[1] >>> (8 * i));
            }
        }
        return b;
    }

    private final List<int[]> patch = new ArrayList<>();

    Asm amo(int f5, boolean dbl, int rd, int rs1, int rs2) {
        return word(f5 << 27 | rs2 << 20 | rs1 << 15 | (dbl ? 3 : 2) << 12 | rd << 7 | 0x2f);
    }

    Asm lr(boolean dbl, int rd, int rs1) { return amo(2, dbl, rd, rs1, 0); }
    Asm sc(boolean dbl, int rd, int rs1, int rs2) { return amo(3, dbl, rd, rs1, rs2); }

    Asm csr(int f3, int rd, int csr, int rs1) { return word(csr << 20 | rs1 << 15 | f3 << 12 | rd << 7 | 0x73); }
    Asm csrrw(int rd, int csr, int rs1) { return csr(1, rd, csr, rs1); }
    Asm csrrs(int rd, int csr, int rs1) { return csr(2, rd, csr, rs1); }
    Asm csrrc(int rd, int csr, int rs1) { return csr(3, rd, csr, rs1); }
    Asm csrrwi(int rd, int csr, int uimm) { return csr(5, rd, csr, uimm); }
    Asm csrrsi(int rd, int csr, int uimm) { return csr(6, rd, csr, uimm); }
    Asm csrrci(int rd, int csr, int uimm) { return csr(7, rd, csr, uimm); }
    Asm csrr(int rd, int csr) { return csrrs(rd, csr, ZERO); }
    Asm csrw(int csr, int rs1) { return csrrw(ZERO, csr, rs1); }
    Asm csrs(int csr, int rs1) { return csrrs(ZERO, csr, rs1); }
    Asm csrc(int csr, int rs1) { return csrrc(ZERO, csr, rs1); }

    Asm ecall() { return word(0x73); }
    Asm ebreak() { return word(0x00100073); }
    Asm mret() { return word(0x30200073); }
    Asm wfi() { return word(0x10500073); }
    Asm fence() { return word(0x0ff0000f); }
    Asm fenceI() { return word(0x0000100f); }
    Asm nop() { return addi(ZERO, ZERO, 0); }
    Asm mv(int rd, int rs) { return addi(rd, rs, 0); }
}
