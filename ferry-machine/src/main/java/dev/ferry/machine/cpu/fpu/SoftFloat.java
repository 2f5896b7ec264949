package dev.ferry.machine.cpu.fpu;

import java.math.BigInteger;

/**
 * The exact software path for both formats: each operation computes its result exactly (or with a sticky bit
 * below enough precision) as an integer times a power of two and rounds it once with {@link #round}. Slow but
 * simple enough to be right; {@link F64} and {@link F32} try Java's hardware arithmetic first and come here
 * whenever they cannot prove the result and the flags. NaN results are always the canonical NaN, as on RISC-V.
 */
final class SoftFloat {

    private SoftFloat() {
    }

    // ---------------------------------------------------------------- rounding

    /**
     * Rounds {@code (-1)^negative * mag * 2^exp} to {@code f} in mode {@code rm}. {@code sticky} says the exact
     * value has further nonzero bits below {@code mag}'s last one; callers that set it supply at least
     * precision + 2 bits in {@code mag}. Tininess is detected after rounding, as RISC-V does.
     */
    static long round(Format f, boolean negative, BigInteger mag, int exp, boolean sticky, int rm, FpStatus st) {
        int len = mag.bitLength();
        int top = exp + len - 1;
        boolean tiny = false;
        if (top < f.emin) {
            tiny = true;
            if (top == f.emin - 1) {
                BigInteger unbounded = roundAt(mag, exp, top - f.precision + 1, sticky, rm, negative, null);
                tiny = unbounded.bitLength() <= f.precision;
            }
        }
        int q = Math.max(top - f.precision + 1, f.emin - f.precision + 1);
        boolean[] inexact = new boolean[1];
        BigInteger kept = roundAt(mag, exp, q, sticky, rm, negative, inexact);
        if (kept.bitLength() > f.precision) {
            kept = kept.shiftRight(1);
            q++;
        }
        int flags = inexact[0] ? FpStatus.NX | (tiny ? FpStatus.UF : 0) : 0;
        long m = kept.longValue();
        long sign = negative ? f.signBit : 0;
        if (m == 0) {
            st.raise(flags);
            return sign;
        }
        int resultTop = q + 63 - Long.numberOfLeadingZeros(m);
        if (resultTop > f.emax) {
            st.raise(FpStatus.OF | FpStatus.NX);
            return overflow(f, negative, rm);
        }
        st.raise(flags);
        if (m >= 1L << (f.precision - 1)) {
            return sign | (long) (resultTop + f.bias) << (f.precision - 1) | (m & f.fracMask);
        }
        return sign | m;
    }

    /** Infinity or the largest finite number, as the rounding direction decides. */
    static long overflow(Format f, boolean negative, int rm) {
        boolean toInfinity = switch (rm) {
            case FpStatus.RTZ -> false;
            case FpStatus.RDN -> negative;
            case FpStatus.RUP -> !negative;
            default -> true;
        };
        long sign = negative ? f.signBit : 0;
        return sign | (toInfinity ? f.infinity : f.maxFinite);
    }

    /** {@code mag * 2^exp} rounded to a multiple of {@code 2^q}, as a multiple count; notes inexactness. */
    private static BigInteger roundAt(BigInteger mag, int exp, int q, boolean sticky, int rm, boolean negative,
                                      boolean[] inexactOut) {
        int shift = q - exp;
        if (shift <= 0) {
            if (inexactOut != null) {
                inexactOut[0] = sticky;
            }
            return mag.shiftLeft(-shift);
        }
        BigInteger kept = mag.shiftRight(shift);
        boolean half = mag.testBit(shift - 1);
        boolean below = sticky || mag.getLowestSetBit() < shift - 1;
        boolean inexact = half || below;
        boolean up = switch (rm) {
            case FpStatus.RNE -> half && (below || kept.testBit(0));
            case FpStatus.RTZ -> false;
            case FpStatus.RDN -> inexact && negative;
            case FpStatus.RUP -> inexact && !negative;
            default -> half;
        };
        if (inexactOut != null) {
            inexactOut[0] = inexact;
        }
        return up ? kept.add(BigInteger.ONE) : kept;
    }

    /** Rounds an exact signed value, zero included (whose sign {@code zeroNegative} gives). */
    private static long roundExact(Format f, BigInteger value, int exp, boolean zeroNegative, int rm, FpStatus st) {
        if (value.signum() == 0) {
            return f.zero(zeroNegative);
        }
        return round(f, value.signum() < 0, value.abs(), exp, false, rm, st);
    }

    // ---------------------------------------------------------------- helpers

    private static BigInteger signedSignificand(Format f, long bits) {
        BigInteger m = BigInteger.valueOf(f.significand(bits));
        return f.sign(bits) ? m.negate() : m;
    }

    /** The canonical NaN, raising NV if any operand is a signalling NaN. */
    static long nanResult(Format f, FpStatus st, long... operands) {
        for (long o : operands) {
            if (f.isSignalingNaN(o)) {
                st.raise(FpStatus.NV);
            }
        }
        return f.canonicalNaN;
    }

    private static long invalid(Format f, FpStatus st) {
        st.raise(FpStatus.NV);
        return f.canonicalNaN;
    }

    // ---------------------------------------------------------------- arithmetic

    static long add(Format f, long a, long b, int rm, FpStatus st) {
        if (f.isNaN(a) || f.isNaN(b)) {
            return nanResult(f, st, a, b);
        }
        boolean ia = f.isInfinite(a);
        boolean ib = f.isInfinite(b);
        if (ia || ib) {
            if (ia && ib && f.sign(a) != f.sign(b)) {
                return invalid(f, st);
            }
            return ia ? a : b;
        }
        boolean sameSignZero = f.sign(a) == f.sign(b) ? f.sign(a) : rm == FpStatus.RDN;
        if (f.isZero(a) && f.isZero(b)) {
            return f.zero(sameSignZero);
        }
        int ea = f.exponent(a);
        int eb = f.exponent(b);
        int e = Math.min(ea, eb);
        BigInteger sum = signedSignificand(f, a).shiftLeft(ea - e).add(signedSignificand(f, b).shiftLeft(eb - e));
        return roundExact(f, sum, e, rm == FpStatus.RDN, rm, st);
    }

    static long mul(Format f, long a, long b, int rm, FpStatus st) {
        if (f.isNaN(a) || f.isNaN(b)) {
            return nanResult(f, st, a, b);
        }
        boolean negative = f.sign(a) != f.sign(b);
        if (f.isInfinite(a) || f.isInfinite(b)) {
            if (f.isZero(a) || f.isZero(b)) {
                return invalid(f, st);
            }
            return f.infinity(negative);
        }
        if (f.isZero(a) || f.isZero(b)) {
            return f.zero(negative);
        }
        BigInteger p = BigInteger.valueOf(f.significand(a)).multiply(BigInteger.valueOf(f.significand(b)));
        return round(f, negative, p, f.exponent(a) + f.exponent(b), false, rm, st);
    }

    static long div(Format f, long a, long b, int rm, FpStatus st) {
        if (f.isNaN(a) || f.isNaN(b)) {
            return nanResult(f, st, a, b);
        }
        boolean negative = f.sign(a) != f.sign(b);
        boolean ia = f.isInfinite(a);
        boolean ib = f.isInfinite(b);
        if (ia && ib || f.isZero(a) && f.isZero(b)) {
            return invalid(f, st);
        }
        if (ia) {
            return f.infinity(negative);
        }
        if (ib || f.isZero(a)) {
            return f.zero(negative);
        }
        if (f.isZero(b)) {
            st.raise(FpStatus.DZ);
            return f.infinity(negative);
        }
        long mb = f.significand(b);
        int k = 2 * f.precision + 8;
        BigInteger[] qr = BigInteger.valueOf(f.significand(a)).shiftLeft(k).divideAndRemainder(BigInteger.valueOf(mb));
        return round(f, negative, qr[0], f.exponent(a) - f.exponent(b) - k, qr[1].signum() != 0, rm, st);
    }

    static long sqrt(Format f, long a, int rm, FpStatus st) {
        if (f.isNaN(a)) {
            return nanResult(f, st, a);
        }
        if (f.isZero(a)) {
            return a;
        }
        if (f.sign(a)) {
            return invalid(f, st);
        }
        if (f.isInfinite(a)) {
            return a;
        }
        int e = f.exponent(a);
        int k = 2 * f.precision + 8;
        if (((e - k) & 1) != 0) {
            k++;
        }
        BigInteger m = BigInteger.valueOf(f.significand(a)).shiftLeft(k);
        BigInteger s = m.sqrt();
        boolean sticky = !s.multiply(s).equals(m);
        return round(f, false, s, (e - k) / 2, sticky, rm, st);
    }

    /**
     * {@code (negateProduct ? -(a*b) : a*b) + (negateAddend ? -c : c)} with one rounding. As on RISC-V, infinity
     * times zero is invalid even when {@code c} is a quiet NaN.
     */
    static long fma(Format f, long a, long b, long c, boolean negateProduct, boolean negateAddend, int rm,
                    FpStatus st) {
        boolean infZero = (f.isInfinite(a) && f.isZero(b)) || (f.isZero(a) && f.isInfinite(b));
        if (f.isNaN(a) || f.isNaN(b) || f.isNaN(c)) {
            if (infZero) {
                st.raise(FpStatus.NV);
            }
            return nanResult(f, st, a, b, c);
        }
        if (infZero) {
            return invalid(f, st);
        }
        boolean ps = f.sign(a) != f.sign(b) ^ negateProduct;
        long cc = negateAddend ? c ^ f.signBit : c;
        boolean cs = f.sign(cc);
        boolean productInfinite = f.isInfinite(a) || f.isInfinite(b);
        if (productInfinite) {
            if (f.isInfinite(cc) && cs != ps) {
                return invalid(f, st);
            }
            return f.infinity(ps);
        }
        if (f.isInfinite(cc)) {
            return cc;
        }
        boolean productZero = f.isZero(a) || f.isZero(b);
        if (productZero) {
            if (f.isZero(cc)) {
                return f.zero(ps == cs ? ps : rm == FpStatus.RDN);
            }
            return cc;
        }
        BigInteger p = BigInteger.valueOf(f.significand(a)).multiply(BigInteger.valueOf(f.significand(b)));
        if (ps) {
            p = p.negate();
        }
        int ep = f.exponent(a) + f.exponent(b);
        if (f.isZero(cc)) {
            return round(f, ps, p.abs(), ep, false, rm, st);
        }
        int ec = f.exponent(cc);
        int e = Math.min(ep, ec);
        BigInteger sum = p.shiftLeft(ep - e).add(signedSignificand(f, cc).shiftLeft(ec - e));
        return roundExact(f, sum, e, rm == FpStatus.RDN, rm, st);
    }

    // ---------------------------------------------------------------- conversions

    /** Converts between formats (either direction); NaNs become the canonical NaN of {@code to}. */
    static long convert(Format from, Format to, long a, int rm, FpStatus st) {
        if (from.isNaN(a)) {
            if (from.isSignalingNaN(a)) {
                st.raise(FpStatus.NV);
            }
            return to.canonicalNaN;
        }
        boolean negative = from.sign(a);
        if (from.isInfinite(a)) {
            return to.infinity(negative);
        }
        if (from.isZero(a)) {
            return to.zero(negative);
        }
        return round(to, negative, BigInteger.valueOf(from.significand(a)), from.exponent(a), false, rm, st);
    }

    /** Converts an integer: {@code value} is signed, or unsigned 64-bit when {@code unsigned}. */
    static long fromInteger(Format f, long value, boolean unsigned, int rm, FpStatus st) {
        if (value == 0) {
            return 0;
        }
        boolean negative = !unsigned && value < 0;
        BigInteger mag = unsigned ? new BigInteger(Long.toUnsignedString(value)) : BigInteger.valueOf(value).abs();
        return round(f, negative, mag, 0, false, rm, st);
    }
}
