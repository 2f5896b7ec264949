package dev.ferry.machine.cpu.fpu;

import static java.lang.Float.floatToRawIntBits;
import static java.lang.Float.intBitsToFloat;

/**
 * binary32 operations on raw bit patterns (the low 32 bits of a long; results likewise, unboxed), as RISC-V's F
 * extension and QEMU 7.2 compute them. Fast paths use Java's arithmetic where binary64 holds the exact result
 * or an exact error term; the rest goes to {@link SoftFloat}.
 */
public final class F32 {

    private F32() {
    }

    private static final Format F = Format.SINGLE;
    private static final float SAFE_MIN = 0x1p-100f;
    private static final float SAFE_MAX = 0x1p+100f;

    private static boolean ordinary(float v) {
        float m = Math.abs(v);
        return m >= SAFE_MIN && m <= SAFE_MAX;
    }

    private static float f(long bits) {
        return intBitsToFloat((int) bits);
    }

    private static long bits(float v) {
        return floatToRawIntBits(v) & 0xffff_ffffL;
    }

    /** a + b. */
    public static long add(long a, long b, int rm, FpStatus st) {
        if (rm == FpStatus.RNE) {
            float x = f(a);
            float y = f(b);
            float s = x + y;
            if (y == 0 && ordinary(x)) {
                return a & 0xffff_ffffL;
            }
            if (ordinary(x) && ordinary(y) && ordinary(s)) {
                if (!exactSum(x, y, s)) {
                    st.raise(FpStatus.NX);
                }
                return bits(s);
            }
        }
        return SoftFloat.add(F, a & 0xffff_ffffL, b & 0xffff_ffffL, rm, st);
    }

    /** Two-sum in binary32: true when x + y == s exactly. */
    private static boolean exactSum(float x, float y, float s) {
        float bb = s - x;
        return (x - (s - bb)) + (y - bb) == 0;
    }

    /** a - b. */
    public static long sub(long a, long b, int rm, FpStatus st) {
        long nb = b & 0xffff_ffffL;
        if (F.isNaN(nb)) {
            return SoftFloat.add(F, a & 0xffff_ffffL, nb, rm, st);
        }
        return add(a, nb ^ F.signBit, rm, st);
    }

    /** a * b: the binary64 product of two binary32 values is exact. */
    public static long mul(long a, long b, int rm, FpStatus st) {
        if (rm == FpStatus.RNE) {
            float x = f(a);
            float y = f(b);
            double p = (double) x * (double) y;
            float r = (float) p;
            if (ordinary(x) && ordinary(y) && ordinary(r)) {
                if (r != p) {
                    st.raise(FpStatus.NX);
                }
                return bits(r);
            }
        }
        return SoftFloat.mul(F, a & 0xffff_ffffL, b & 0xffff_ffffL, rm, st);
    }

    /** a / b. */
    public static long div(long a, long b, int rm, FpStatus st) {
        if (rm == FpStatus.RNE) {
            float x = f(a);
            float y = f(b);
            float q = x / y;
            if (ordinary(x) && ordinary(y) && ordinary(q)) {
                if ((double) q * (double) y != (double) x) {
                    st.raise(FpStatus.NX);
                }
                return bits(q);
            }
        }
        return SoftFloat.div(F, a & 0xffff_ffffL, b & 0xffff_ffffL, rm, st);
    }

    /** Square root of a. */
    public static long sqrt(long a, int rm, FpStatus st) {
        if (rm == FpStatus.RNE) {
            float x = f(a);
            if (x > 0 && ordinary(x)) {
                float s = (float) Math.sqrt(x);
                if ((double) s * (double) s != (double) x) {
                    st.raise(FpStatus.NX);
                }
                return bits(s);
            }
        }
        return SoftFloat.sqrt(F, a & 0xffff_ffffL, rm, st);
    }

    /**
     * Fused multiply-add with one rounding; see {@link F64#fma}. The product of two binary32 values is exact in
     * binary64, and the binary64 sum with its two-sum error decides the binary32 rounding unless the sum sits
     * exactly halfway between two binary32 values (a double rounding), which goes to the exact path.
     */
    public static long fma(long a, long b, long c, boolean negateProduct, boolean negateAddend, int rm,
                           FpStatus st) {
        if (rm == FpStatus.RNE) {
            float x = f(a);
            float y = f(b);
            float z = f(negateAddend ? c ^ F.signBit : c);
            double p = (double) x * (double) y;
            if (negateProduct) {
                p = -p;
            }
            double s = p + z;
            double bb = s - p;
            double t = (p - (s - bb)) + (z - bb);
            float r = (float) s;
            boolean halfway = (Double.doubleToRawLongBits(s) & 0x1fff_ffffL) == 0x1000_0000L;
            if (ordinary(x) && ordinary(y) && ordinary(z) && ordinary(r) && !(halfway && t != 0)) {
                if (t != 0 || r != s) {
                    st.raise(FpStatus.NX);
                }
                return bits(r);
            }
        }
        return SoftFloat.fma(F, a & 0xffff_ffffL, b & 0xffff_ffffL, c & 0xffff_ffffL, negateProduct,
                negateAddend, rm, st);
    }

    /** fmin (minimumNumber). */
    public static long min(long a, long b, FpStatus st) {
        return MinMax.pick(F, a & 0xffff_ffffL, b & 0xffff_ffffL, false, st);
    }

    /** fmax (maximumNumber). */
    public static long max(long a, long b, FpStatus st) {
        return MinMax.pick(F, a & 0xffff_ffffL, b & 0xffff_ffffL, true, st);
    }

    /** feq: quiet comparison. */
    public static boolean eq(long a, long b, FpStatus st) {
        return MinMax.eq(F, a & 0xffff_ffffL, b & 0xffff_ffffL, st);
    }

    /** flt: signalling comparison. */
    public static boolean lt(long a, long b, FpStatus st) {
        return MinMax.lt(F, a & 0xffff_ffffL, b & 0xffff_ffffL, st);
    }

    /** fle: signalling comparison. */
    public static boolean le(long a, long b, FpStatus st) {
        return MinMax.le(F, a & 0xffff_ffffL, b & 0xffff_ffffL, st);
    }

    /** fclass. */
    public static long classify(long a) {
        return MinMax.classify(F, a & 0xffff_ffffL);
    }

    /** fcvt.{w,wu,l,lu}.s; see {@link F64#toInteger}. */
    public static long toInteger(long a, boolean is64, boolean unsigned, int rm, FpStatus st) {
        long v = a & 0xffff_ffffL;
        return IntConvert.toInteger(f(v), F.isNaN(v), is64, unsigned, rm, st);
    }

    /** fcvt.s.{w,wu,l,lu}. */
    public static long fromInteger(long v, boolean is64, boolean unsigned, int rm, FpStatus st) {
        long value = is64 ? v : unsigned ? v & 0xffff_ffffL : (int) v;
        boolean asUnsigned = unsigned && is64;
        if (IntConvert.fitsExactly(value, asUnsigned, F.precision)) {
            double d = asUnsigned && value < 0 ? (double) (value >>> 1) * 2.0 : (double) value;
            return bits((float) d);
        }
        return SoftFloat.fromInteger(F, value, asUnsigned, rm, st);
    }
}
