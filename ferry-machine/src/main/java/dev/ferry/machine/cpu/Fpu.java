package dev.ferry.machine.cpu;

import dev.ferry.machine.cpu.fpu.F32;
import dev.ferry.machine.cpu.fpu.F64;
import dev.ferry.machine.cpu.fpu.FpStatus;

import java.util.Arrays;

/**
 * The F and D extensions of the hart: the 32 floating-point registers, {@code fcsr}, and the execution of every
 * F/D instruction. The decoder turns each of them (compressed ones expanded) into one {@link Op#FP} carrying
 * the 32-bit encoding, plus the 16-bit original in bits 32-47 for compressed ones (the value {@code mtval}
 * shows when it is illegal); {@link Cpu} checks {@code mstatus.FS} and hands it here. The arithmetic itself
 * lives in {@link dev.ferry.machine.cpu.fpu}.
 *
 * <p>As QEMU 7.2: binary32 values are NaN-boxed in the 64-bit registers and an improperly boxed input reads as
 * the canonical NaN; an instruction that writes a floating-point register reports {@link #DIRTY} (so FS becomes
 * Dirty), one that only writes an integer register or memory does not, even when it raises flags; a reserved
 * rounding mode, static or in {@code frm}, is an illegal instruction for the instructions that round.
 */
final class Fpu {

    /** Result of {@link #execute}: the encoding is illegal (or its rounding mode is). */
    static final int ILLEGAL = 0;
    /** Result of {@link #execute}: done, no floating-point register written. */
    static final int CLEAN = 1;
    /** Result of {@link #execute}: done, a floating-point register was written. */
    static final int DIRTY = 2;

    /** Loads and stores of FLW/FLD/FSW/FSD; they trap by throwing, as the hart's own accesses do. */
    interface Memory {
        long load(long address, int width);

        void store(long address, int width, long value);
    }

    private static final long BOX = 0xffff_ffff_0000_0000L;
    private static final long CANONICAL_NAN_S = 0x7fc0_0000L;

    private final long[] f = new long[32];
    private int fflags;
    private int frm;
    private final FpStatus status = new FpStatus();

    /** Clears the registers and fcsr, as at reset. */
    void reset() {
        Arrays.fill(f, 0);
        fflags = 0;
        frm = 0;
    }

    int fflags() {
        return fflags;
    }

    int frm() {
        return frm;
    }

    int fcsr() {
        return frm << 5 | fflags;
    }

    void setFflags(long v) {
        fflags = (int) v & 0x1f;
    }

    void setFrm(long v) {
        frm = (int) v & 7;
    }

    void setFcsr(long v) {
        fflags = (int) v & 0x1f;
        frm = (int) (v >>> 5) & 7;
    }

    FpState save() {
        return new FpState(f.clone(), fcsr());
    }

    static void validate(FpState s) {
        if (s == null || s.f() == null || s.f().length != 32) {
            throw new IllegalArgumentException("floating-point state must hold 32 registers");
        }
        if ((s.fcsr() & ~0xff) != 0) {
            throw new IllegalArgumentException(String.format("fcsr 0x%x has bits above 7", s.fcsr()));
        }
    }

    void restore(FpState s) {
        System.arraycopy(s.f(), 0, f, 0, 32);
        setFcsr(s.fcsr());
    }

    /** Register {@code i} as raw bits (for tests and debugging). */
    long reg(int i) {
        return f[i];
    }

    /** The value {@code mtval} shows when instruction {@code code} is illegal. */
    static long tval(long code) {
        long compressed = code >>> 32;
        return compressed != 0 ? compressed : code & 0xffff_ffffL;
    }

    private static long unbox(long v) {
        return (v & BOX) == BOX ? v & 0xffff_ffffL : CANONICAL_NAN_S;
    }

    private static long box(long v) {
        return v | BOX;
    }

    // ---------------------------------------------------------------- decoding

    /** True for the encodings of F and D instructions (the rounding mode aside, which is checked when run). */
    static boolean valid(int raw) {
        int f3 = (raw >>> 12) & 7;
        int rs2 = (raw >>> 20) & 31;
        int f7 = raw >>> 25;
        int fmt = f7 & 3;
        return switch (raw & 0x7f) {
            case 0x07, 0x27 -> f3 == 2 || f3 == 3;
            case 0x43, 0x47, 0x4b, 0x4f -> fmt < 2;
            case 0x53 -> fmt < 2 && switch (f7 >>> 2) {
                case 0x00, 0x01, 0x02, 0x03 -> true;
                case 0x0b -> rs2 == 0;
                case 0x04, 0x14 -> f3 <= 2;
                case 0x05 -> f3 <= 1;
                case 0x08 -> rs2 == (fmt == 0 ? 1 : 0);
                case 0x18, 0x1a -> rs2 <= 3;
                case 0x1c -> rs2 == 0 && f3 <= 1;
                case 0x1e -> rs2 == 0 && f3 == 0;
                default -> false;
            };
            default -> false;
        };
    }

    /** The integer register {@code raw} writes (feq, fclass, fcvt to integer, fmv.x), else 0. */
    static int integerRd(int raw) {
        int group = raw >>> 27;
        boolean writesX = (raw & 0x7f) == 0x53 && (group == 0x14 || group == 0x18 || group == 0x1c);
        return writesX ? (raw >>> 7) & 31 : 0;
    }

    /** The integer register {@code raw} reads (the base of loads and stores, fcvt from integer, fmv to FP), else 0. */
    static int integerRs1(int raw) {
        int opcode = raw & 0x7f;
        int group = raw >>> 27;
        boolean readsX = opcode == 0x07 || opcode == 0x27 || opcode == 0x53 && (group == 0x1a || group == 0x1e);
        return readsX ? (raw >>> 15) & 31 : 0;
    }

    /** Bytes a load or store {@code raw} accesses, or 0 when it is not one. */
    static int accessWidth(int raw) {
        int opcode = raw & 0x7f;
        return opcode == 0x07 || opcode == 0x27 ? (((raw >>> 12) & 7) == 2 ? 4 : 8) : 0;
    }

    /** The address load or store {@code raw} accesses when its base register holds {@code base}. */
    static long accessAddress(int raw, long base) {
        return (raw & 0x7f) == 0x07 ? base + (raw >> 20) : base + ((raw >> 25) << 5 | (raw >>> 7) & 31);
    }

    // ---------------------------------------------------------------- execution

    /** The effective rounding mode of {@code raw}, or -1 when it is reserved. */
    private int roundingMode(int raw) {
        int rm = (raw >>> 12) & 7;
        if (rm == 7) {
            rm = frm;
        }
        return rm <= 4 ? rm : -1;
    }

    /**
     * Executes the F/D instruction {@code code} (see the class comment) with integer registers {@code x}; FS
     * is known not to be Off. Returns {@link #ILLEGAL}, {@link #CLEAN} or {@link #DIRTY}.
     */
    int execute(long code, long[] x, Memory memory) {
        int raw = (int) code;
        int rd = (raw >>> 7) & 31;
        int rs1 = (raw >>> 15) & 31;
        int rs2 = (raw >>> 20) & 31;
        switch (raw & 0x7f) {
            case 0x07 -> {
                long v = memory.load(accessAddress(raw, x[rs1]), accessWidth(raw));
                f[rd] = ((raw >>> 12) & 7) == 2 ? box(v) : v;
                return DIRTY;
            }
            case 0x27 -> {
                memory.store(accessAddress(raw, x[rs1]), accessWidth(raw), f[rs2]);
                return CLEAN;
            }
            case 0x43, 0x47, 0x4b, 0x4f -> {
                return fused(raw, rd, rs1, rs2);
            }
            default -> {
                return opFp(raw, rd, rs1, rs2, x);
            }
        }
    }

    private int fused(int raw, int rd, int rs1, int rs2) {
        int rm = roundingMode(raw);
        if (rm < 0) {
            return ILLEGAL;
        }
        int rs3 = raw >>> 27;
        int opcode = raw & 0x7f;
        boolean negateProduct = opcode == 0x4b || opcode == 0x4f;
        boolean negateAddend = opcode == 0x47 || opcode == 0x4f;
        status.flags = 0;
        if (((raw >>> 25) & 3) == 0) {
            f[rd] = box(F32.fma(unbox(f[rs1]), unbox(f[rs2]), unbox(f[rs3]), negateProduct, negateAddend, rm,
                    status));
        } else {
            f[rd] = F64.fma(f[rs1], f[rs2], f[rs3], negateProduct, negateAddend, rm, status);
        }
        fflags |= status.flags;
        return DIRTY;
    }

    private int opFp(int raw, int rd, int rs1, int rs2, long[] x) {
        int f7 = raw >>> 25;
        boolean dbl = (f7 & 1) != 0;
        int f3 = (raw >>> 12) & 7;
        int group = f7 >>> 2;
        FpStatus st = status;
        st.flags = 0;
        int rm = 0;
        if (group <= 0x03 || group == 0x0b || group == 0x08 || group == 0x18 || group == 0x1a) {
            rm = roundingMode(raw);
            if (rm < 0) {
                return ILLEGAL;
            }
        }
        long a = dbl ? f[rs1] : unbox(f[rs1]);
        long b = dbl ? f[rs2] : unbox(f[rs2]);
        long result;
        boolean toInteger = false;
        switch (group) {
            case 0x00 -> result = dbl ? F64.add(a, b, rm, st) : F32.add(a, b, rm, st);
            case 0x01 -> result = dbl ? F64.sub(a, b, rm, st) : F32.sub(a, b, rm, st);
            case 0x02 -> result = dbl ? F64.mul(a, b, rm, st) : F32.mul(a, b, rm, st);
            case 0x03 -> result = dbl ? F64.div(a, b, rm, st) : F32.div(a, b, rm, st);
            case 0x0b -> result = dbl ? F64.sqrt(a, rm, st) : F32.sqrt(a, rm, st);
            case 0x04 -> {
                long signBit = dbl ? Long.MIN_VALUE : 0x8000_0000L;
                long sign = switch (f3) {
                    case 0 -> b & signBit;
                    case 1 -> ~b & signBit;
                    default -> (a ^ b) & signBit;
                };
                result = (a & ~signBit) | sign;
            }
            case 0x05 -> result = f3 == 0 ? (dbl ? F64.min(a, b, st) : F32.min(a, b, st))
                    : (dbl ? F64.max(a, b, st) : F32.max(a, b, st));
            case 0x08 -> result = dbl ? F64.fromSingle(unbox(f[rs1]), st) : F64.toSingle(f[rs1], rm, st);
            case 0x14 -> {
                toInteger = true;
                boolean r = switch (f3) {
                    case 0 -> dbl ? F64.le(a, b, st) : F32.le(a, b, st);
                    case 1 -> dbl ? F64.lt(a, b, st) : F32.lt(a, b, st);
                    default -> dbl ? F64.eq(a, b, st) : F32.eq(a, b, st);
                };
                result = r ? 1 : 0;
            }
            case 0x18 -> {
                toInteger = true;
                boolean is64 = (rs2 & 2) != 0;
                boolean unsigned = (rs2 & 1) != 0;
                result = dbl ? F64.toInteger(a, is64, unsigned, rm, st) : F32.toInteger(a, is64, unsigned, rm, st);
            }
            case 0x1a -> {
                boolean is64 = (rs2 & 2) != 0;
                boolean unsigned = (rs2 & 1) != 0;
                long v = x[rs1];
                result = dbl ? F64.fromInteger(v, is64, unsigned, rm, st) : F32.fromInteger(v, is64, unsigned, rm, st);
            }
            case 0x1c -> {
                toInteger = true;
                if (f3 == 1) {
                    result = dbl ? F64.classify(a) : F32.classify(a);
                } else {
                    result = dbl ? f[rs1] : (int) f[rs1];
                }
            }
            default -> result = dbl ? x[rs1] : x[rs1] & 0xffff_ffffL;
        }
        fflags |= st.flags;
        if (toInteger) {
            if (rd != 0) {
                x[rd] = result;
            }
            return CLEAN;
        }
        f[rd] = dbl ? result : box(result);
        return DIRTY;
    }
}
