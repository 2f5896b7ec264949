package dev.ferry.machine.cpu.fpu;

/**
 * Conversions between floating point and integers as RISC-V specifies them: rounding in any mode, NX when
 * rounding changed the value, and for out-of-range values and NaNs the nearest (NaN: largest) representable
 * integer with NV alone.
 */
final class IntConvert {

    private IntConvert() {
    }

    private static final double TWO_31 = 0x1p31;
    private static final double TWO_32 = 0x1p32;
    private static final double TWO_63 = 0x1p63;
    private static final double TWO_64 = 0x1p64;

    /** {@code x} (exactly a binary64 value, or {@code nan}) to an integer; 32-bit results sign-extended. */
    static long toInteger(double x, boolean nan, boolean is64, boolean unsigned, int rm, FpStatus st) {
        long max = is64 ? (unsigned ? -1L : Long.MAX_VALUE) : (unsigned ? 0xffff_ffffL : Integer.MAX_VALUE);
        long min = unsigned ? 0 : is64 ? Long.MIN_VALUE : Integer.MIN_VALUE;
        long result;
        if (nan) {
            st.raise(FpStatus.NV);
            result = max;
        } else if (Double.isInfinite(x)) {
            st.raise(FpStatus.NV);
            result = x > 0 ? max : min;
        } else {
            double r = roundToIntegral(x, rm);
            double lo = unsigned ? 0 : is64 ? -TWO_63 : -TWO_31;
            double hiExclusive = is64 ? (unsigned ? TWO_64 : TWO_63) : (unsigned ? TWO_32 : TWO_31);
            if (r == 0) {
                result = 0;
                if (r != x) {
                    st.raise(FpStatus.NX);
                }
            } else if (r < lo) {
                st.raise(FpStatus.NV);
                result = min;
            } else if (r >= hiExclusive) {
                st.raise(FpStatus.NV);
                result = max;
            } else {
                if (r != x) {
                    st.raise(FpStatus.NX);
                }
                result = r >= TWO_63 ? (long) (r - TWO_63) ^ Long.MIN_VALUE : (long) r;
            }
        }
        return is64 ? result : (int) result;
    }

    /** The integer nearest to {@code x} in direction {@code rm} (x finite). */
    static double roundToIntegral(double x, int rm) {
        if (Math.abs(x) >= 0x1p52) {
            return x;
        }
        return switch (rm) {
            case FpStatus.RNE -> Math.rint(x);
            case FpStatus.RTZ -> x < 0 ? Math.ceil(x) : Math.floor(x);
            case FpStatus.RDN -> Math.floor(x);
            case FpStatus.RUP -> Math.ceil(x);
            default -> {
                double t = x < 0 ? Math.ceil(x) : Math.floor(x);
                double frac = Math.abs(x - t);
                yield frac >= 0.5 ? t + Math.copySign(1.0, x) : t;
            }
        };
    }

    /** True when {@code value} (signed, or unsigned 64-bit) needs at most {@code precision} significant bits. */
    static boolean fitsExactly(long value, boolean unsigned, int precision) {
        if (value == 0) {
            return true;
        }
        long mag = !unsigned && value < 0 ? -value : value;
        int span = 64 - Long.numberOfLeadingZeros(mag) - Long.numberOfTrailingZeros(mag);
        return span <= precision;
    }
}
