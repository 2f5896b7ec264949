package dev.ferry.machine.cpu.fpu;

/**
 * An IEEE 754 binary interchange format (binary32 or binary64) as the software path sees it: precision,
 * exponent range and field layout, with the unpacking and packing of bit patterns.
 */
enum Format {
    /** binary32: 24-bit significand, exponents -126..127. */
    SINGLE(24, 8),
    /** binary64: 53-bit significand, exponents -1022..1023. */
    DOUBLE(53, 11);

    /** Significand bits including the hidden one. */
    final int precision;
    final int emax;
    final int emin;
    final int bias;
    final long signBit;
    final long expMask;
    final long fracMask;
    /** The canonical quiet NaN RISC-V returns for every NaN result. */
    final long canonicalNaN;
    final long infinity;
    final long maxFinite;

    Format(int precision, int expBits) {
        this.precision = precision;
        this.emax = (1 << (expBits - 1)) - 1;
        this.emin = 1 - emax;
        this.bias = emax;
        this.signBit = 1L << (precision - 1 + expBits);
        this.fracMask = (1L << (precision - 1)) - 1;
        this.expMask = ((1L << expBits) - 1) << (precision - 1);
        this.canonicalNaN = expMask | 1L << (precision - 2);
        this.infinity = expMask;
        this.maxFinite = expMask - 1;
    }

    boolean isNaN(long bits) {
        return (bits & expMask) == expMask && (bits & fracMask) != 0;
    }

    boolean isSignalingNaN(long bits) {
        return isNaN(bits) && (bits & 1L << (precision - 2)) == 0;
    }

    boolean isInfinite(long bits) {
        return (bits & ~signBit) == infinity;
    }

    boolean isZero(long bits) {
        return (bits & ~signBit) == 0;
    }

    boolean sign(long bits) {
        return (bits & signBit) != 0;
    }

    /** The significand of a finite value as an integer (the hidden bit included for normal numbers). */
    long significand(long bits) {
        long e = bits & expMask;
        return e == 0 ? bits & fracMask : (bits & fracMask) | 1L << (precision - 1);
    }

    /** The exponent of the significand's last bit: a finite value is significand * 2^exponent. */
    int exponent(long bits) {
        int e = (int) ((bits & expMask) >>> (precision - 1));
        return (e == 0 ? 1 : e) - bias - (precision - 1);
    }

    long zero(boolean negative) {
        return negative ? signBit : 0;
    }

    long infinity(boolean negative) {
        return negative ? signBit | infinity : infinity;
    }
}
