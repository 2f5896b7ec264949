package dev.ferry.machine.cpu.fpu;

import static java.lang.Double.doubleToRawLongBits;
import static java.lang.Double.longBitsToDouble;

/**
 * binary64 operations on raw bit patterns, as RISC-V's D extension and QEMU 7.2 compute them: every rounding
 * mode, IEEE flags with tininess after rounding, canonical NaN results. In round-to-nearest-even with ordinary
 * operands the result comes from Java's arithmetic and the flags from exact error terms (two-sum, fused
 * residuals); everything else goes to the exact {@link SoftFloat} path.
 */
public final class F64 {

    private F64() {
    }

    private static final Format F = Format.DOUBLE;
    /** Below this magnitude an error term could itself underflow; such cases take the exact path. */
    private static final double SAFE_MIN = 0x1p-900;
    private static final double SAFE_MAX = 0x1p+900;

    private static boolean ordinary(double v) {
        double m = Math.abs(v);
        return m >= SAFE_MIN && m <= SAFE_MAX;
    }

    /** a + b. */
    public static long add(long a, long b, int rm, FpStatus st) {
        if (rm == FpStatus.RNE) {
            double x = longBitsToDouble(a);
            double y = longBitsToDouble(b);
            double s = x + y;
            if (y == 0 && ordinary(x)) {
                return a;
            }
            if (ordinary(x) && ordinary(y) && ordinary(s)) {
                double bb = s - x;
                double err = (x - (s - bb)) + (y - bb);
                if (err != 0) {
                    st.raise(FpStatus.NX);
                }
                return doubleToRawLongBits(s);
            }
        }
        return SoftFloat.add(F, a, b, rm, st);
    }

    /** a - b. */
    public static long sub(long a, long b, int rm, FpStatus st) {
        if (F.isNaN(b)) {
            return SoftFloat.add(F, a, b, rm, st);
        }
        return add(a, b ^ F.signBit, rm, st);
    }

    /** a * b. */
    public static long mul(long a, long b, int rm, FpStatus st) {
        if (rm == FpStatus.RNE) {
            double x = longBitsToDouble(a);
            double y = longBitsToDouble(b);
            double p = x * y;
            if (ordinary(x) && ordinary(y) && ordinary(p)) {
                if (Math.fma(x, y, -p) != 0) {
                    st.raise(FpStatus.NX);
                }
                return doubleToRawLongBits(p);
            }
        }
        return SoftFloat.mul(F, a, b, rm, st);
    }

    /** a / b. */
    public static long div(long a, long b, int rm, FpStatus st) {
        if (rm == FpStatus.RNE) {
            double x = longBitsToDouble(a);
            double y = longBitsToDouble(b);
            double q = x / y;
            if (ordinary(x) && ordinary(y) && ordinary(q)) {
                if (Math.fma(-q, y, x) != 0) {
                    st.raise(FpStatus.NX);
                }
                return doubleToRawLongBits(q);
            }
        }
        return SoftFloat.div(F, a, b, rm, st);
    }

    /** Square root of a. */
    public static long sqrt(long a, int rm, FpStatus st) {
        if (rm == FpStatus.RNE) {
            double x = longBitsToDouble(a);
            if (x > 0 && ordinary(x)) {
                double s = Math.sqrt(x);
                if (Math.fma(s, s, -x) != 0) {
                    st.raise(FpStatus.NX);
                }
                return doubleToRawLongBits(s);
            }
        }
        return SoftFloat.sqrt(F, a, rm, st);
    }

    /**
     * Fused multiply-add with one rounding: {@code (negateProduct ? -(a*b) : a*b) + (negateAddend ? -c : c)}
     * (fmadd, fmsub, fnmsub, fnmadd). In round-to-nearest with ordinary operands and result, Java's fma gives the
     * result and Boldo and Muller's error-free transformation of the fma (ErrFma, "Some functions computable with
     * a fused-mac", ARITH 2005) its exact residual, whose being zero decides NX.
     */
    public static long fma(long a, long b, long c, boolean negateProduct, boolean negateAddend, int rm,
                           FpStatus st) {
        if (rm == FpStatus.RNE) {
            double x = longBitsToDouble(negateProduct ? a ^ F.signBit : a);
            double y = longBitsToDouble(b);
            double z = longBitsToDouble(negateAddend ? c ^ F.signBit : c);
            double r = Math.fma(x, y, z);
            double u1 = x * y;
            if (ordinary(x) && ordinary(y) && ordinary(z) && ordinary(u1) && ordinary(r)) {
                if (residual(x, y, z, r, u1) != 0) {
                    st.raise(FpStatus.NX);
                }
                return doubleToRawLongBits(r);
            }
        }
        return SoftFloat.fma(F, a, b, c, negateProduct, negateAddend, rm, st);
    }

    /** ErrFma: the leading part of x*y + z - r, which is zero exactly when r is the exact result. */
    private static double residual(double x, double y, double z, double r, double u1) {
        double u2 = Math.fma(x, y, -u1);
        double alpha1 = z + u2;
        double bv = alpha1 - z;
        double zeta = (z - (alpha1 - bv)) + (u2 - bv);
        double beta1 = u1 + alpha1;
        double bw = beta1 - u1;
        double beta2 = (u1 - (beta1 - bw)) + (alpha1 - bw);
        double gamma = (beta1 - r) + beta2;
        return gamma + zeta;
    }

    /** fmin: IEEE 754-2019 minimumNumber with -0 below +0; NaN only if both are; NV for a signalling NaN. */
    public static long min(long a, long b, FpStatus st) {
        return MinMax.pick(F, a, b, false, st);
    }

    /** fmax: maximumNumber, the mirror of {@link #min}. */
    public static long max(long a, long b, FpStatus st) {
        return MinMax.pick(F, a, b, true, st);
    }

    /** feq: quiet comparison (NV only for signalling NaNs). */
    public static boolean eq(long a, long b, FpStatus st) {
        return MinMax.eq(F, a, b, st);
    }

    /** flt: signalling comparison (NV for any NaN). */
    public static boolean lt(long a, long b, FpStatus st) {
        return MinMax.lt(F, a, b, st);
    }

    /** fle: signalling comparison (NV for any NaN). */
    public static boolean le(long a, long b, FpStatus st) {
        return MinMax.le(F, a, b, st);
    }

    /** fclass: the one-hot class mask RISC-V defines. */
    public static long classify(long a) {
        return MinMax.classify(F, a);
    }

    /** fcvt.s.d: narrows to binary32 (the result in the low 32 bits, not boxed). */
    public static long toSingle(long a, int rm, FpStatus st) {
        if (rm == FpStatus.RNE) {
            double x = longBitsToDouble(a);
            float r = (float) x;
            if (Math.abs(x) >= 0x1p-120 && !Float.isInfinite(r) && !Double.isInfinite(x)) {
                if (r != x) {
                    st.raise(FpStatus.NX);
                }
                return Float.floatToRawIntBits(r) & 0xffff_ffffL;
            }
        }
        return SoftFloat.convert(F, Format.SINGLE, a, rm, st);
    }

    /** fcvt.d.s: widens a binary32 (low 32 bits of {@code a}); exact, NaNs become canonical. */
    public static long fromSingle(long a, FpStatus st) {
        return SoftFloat.convert(Format.SINGLE, F, a & 0xffff_ffffL, FpStatus.RNE, st);
    }

    /**
     * fcvt.{w,wu,l,lu}.d: to a 32- or 64-bit integer, signed or not, saturating with NV out of range or for NaN
     * (NaN gives the largest value). 32-bit results are sign-extended to 64 bits, as RV64 keeps them.
     */
    public static long toInteger(long a, boolean is64, boolean unsigned, int rm, FpStatus st) {
        return IntConvert.toInteger(longBitsToDouble(a), F.isNaN(a), is64, unsigned, rm, st);
    }

    /**
     * fcvt.d.{w,wu,l,lu}: from an integer register value; {@code is64}/{@code unsigned} say how to read it.
     */
    public static long fromInteger(long v, boolean is64, boolean unsigned, int rm, FpStatus st) {
        long value = is64 ? v : unsigned ? v & 0xffff_ffffL : (int) v;
        boolean asUnsigned = unsigned && is64;
        if (IntConvert.fitsExactly(value, asUnsigned, F.precision)) {
            double d = asUnsigned && value < 0 ? (double) (value >>> 1) * 2.0 : (double) value;
            return doubleToRawLongBits(d);
        }
        return SoftFloat.fromInteger(F, value, asUnsigned, rm, st);
    }
}
