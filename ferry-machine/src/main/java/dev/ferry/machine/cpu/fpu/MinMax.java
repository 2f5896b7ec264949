package dev.ferry.machine.cpu.fpu;

/**
 * The non-arithmetic operations shared by both formats, on raw bits: fmin/fmax (minimumNumber/maximumNumber as
 * QEMU 7.2 does them for privileged spec 1.11 and later), the comparisons and fclass.
 */
final class MinMax {

    private MinMax() {
    }

    static long pick(Format f, long a, long b, boolean max, FpStatus st) {
        boolean na = f.isNaN(a);
        boolean nb = f.isNaN(b);
        if (f.isSignalingNaN(a) || f.isSignalingNaN(b)) {
            st.raise(FpStatus.NV);
        }
        if (na && nb) {
            return f.canonicalNaN;
        }
        if (na) {
            return b;
        }
        if (nb) {
            return a;
        }
        boolean aLess = less(f, a, b) || (f.isZero(a) && f.isZero(b) && f.sign(a) && !f.sign(b));
        return aLess != max ? a : b;
    }

    /** Numeric a < b for non-NaN values (zeros equal). */
    private static boolean less(Format f, long a, long b) {
        boolean sa = f.sign(a);
        boolean sb = f.sign(b);
        long ma = a & ~f.signBit;
        long mb = b & ~f.signBit;
        if (ma == 0 && mb == 0) {
            return false;
        }
        if (sa != sb) {
            return sa;
        }
        return sa ? ma > mb : ma < mb;
    }

    static boolean eq(Format f, long a, long b, FpStatus st) {
        if (f.isNaN(a) || f.isNaN(b)) {
            if (f.isSignalingNaN(a) || f.isSignalingNaN(b)) {
                st.raise(FpStatus.NV);
            }
            return false;
        }
        return a == b || f.isZero(a) && f.isZero(b);
    }

    static boolean lt(Format f, long a, long b, FpStatus st) {
        if (f.isNaN(a) || f.isNaN(b)) {
            st.raise(FpStatus.NV);
            return false;
        }
        return less(f, a, b);
    }

    static boolean le(Format f, long a, long b, FpStatus st) {
        if (f.isNaN(a) || f.isNaN(b)) {
            st.raise(FpStatus.NV);
            return false;
        }
        return less(f, a, b) || a == b || f.isZero(a) && f.isZero(b);
    }

    static long classify(Format f, long a) {
        boolean negative = f.sign(a);
        if (f.isNaN(a)) {
            return f.isSignalingNaN(a) ? 1 << 8 : 1 << 9;
        }
        if (f.isInfinite(a)) {
            return negative ? 1 : 1 << 7;
        }
        if (f.isZero(a)) {
            return negative ? 1 << 3 : 1 << 4;
        }
        boolean subnormal = (a & f.expMask) == 0;
        if (subnormal) {
            return negative ? 1 << 2 : 1 << 5;
        }
        return negative ? 1 << 1 : 1 << 6;
    }
}
