package dev.ferry.machine.cpu.fpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Two properties over many operands biased to the hard regions (ties, subnormals, near overflow, specials):
 * the hardware fast paths of {@link F64} and {@link F32} give the same bits and flags as the exact
 * {@link SoftFloat} path, and the exact path's add, multiply and fused multiply-add round the exact value (computed
 * with {@link BigDecimal}) as each rounding mode says, raising NX exactly when the result is not exact.
 */
class FastPathAndOracleTest {

    private static final int N = 200_000;
    private final SplittableRandom random = new SplittableRandom(20261202);

    private long randomDouble() {
        long sign = random.nextBoolean() ? Long.MIN_VALUE : 0;
        long frac = random.nextLong() & 0xfffffffffffffL;
        if (random.nextInt(4) == 0) {
            frac &= -1L << random.nextInt(53);
        }
        return switch (random.nextInt(8)) {
            case 0 -> random.nextLong();
            case 1 -> sign | (long) (1023 - 3 + random.nextInt(6)) << 52 | frac;
            case 2 -> sign | (long) random.nextInt(3) << 52 | frac >>> random.nextInt(53);
            case 3 -> sign | (long) (2046 - random.nextInt(3)) << 52 | frac;
            case 4 -> sign | new long[] {0, 0x7ff0000000000000L, 0x7ff8000000000000L, 0x7ff4000000000000L,
                0x3ff0000000000000L, 1, 0x7fefffffffffffffL}[random.nextInt(7)];
            case 5 -> sign | (long) (1023 - 60 + random.nextInt(120)) << 52 | frac;
            case 6 -> sign | (long) (1 + random.nextInt(60)) << 52 | frac;
            default -> sign | (long) (1023 + random.nextInt(64)) << 52 | frac;
        };
    }

    private long randomSingle() {
        long d = randomDouble();
        FpStatus st = new FpStatus();
        return random.nextInt(8) == 0 ? random.nextLong() & 0xffffffffL : SoftFloat.convert(Format.DOUBLE,
                Format.SINGLE, d, FpStatus.RTZ, st);
    }

    private interface Binary {
        long apply(long a, long b, int rm, FpStatus st);
    }

    private interface Ternary {
        long apply(long a, long b, long c, int rm, FpStatus st);
    }

    private static void same(String what, long a, long b, long c, Ternary fast, Ternary exact) {
        FpStatus f1 = new FpStatus();
        FpStatus f2 = new FpStatus();
        long r1 = fast.apply(a, b, c, FpStatus.RNE, f1);
        long r2 = exact.apply(a, b, c, FpStatus.RNE, f2);
        assertThat(new long[] {r1, f1.flags}).as("%s(%x, %x, %x)", what, a, b, c).containsExactly(r2, f2.flags);
    }

    @Test
    void binary64FastPathsMatchTheExactPath() {
        Format d = Format.DOUBLE;
        for (int i = 0; i < N; i++) {
            long a = randomDouble();
            long b = randomDouble();
            long c = randomDouble();
            if (random.nextInt(4) == 0) {
                FpStatus st = new FpStatus();
                c = SoftFloat.mul(d, a, b, FpStatus.RNE, st) ^ Long.MIN_VALUE;
                c += random.nextInt(3) - 1;
            }
            same("add", a, b, c, (x, y, z, rm, st) -> F64.add(x, y, rm, st), (x, y, z, rm, st) -> SoftFloat.add(d, x, y, rm, st));
            same("mul", a, b, c, (x, y, z, rm, st) -> F64.mul(x, y, rm, st), (x, y, z, rm, st) -> SoftFloat.mul(d, x, y, rm, st));
            same("div", a, b, c, (x, y, z, rm, st) -> F64.div(x, y, rm, st), (x, y, z, rm, st) -> SoftFloat.div(d, x, y, rm, st));
            same("sqrt", a, b, c, (x, y, z, rm, st) -> F64.sqrt(x, rm, st), (x, y, z, rm, st) -> SoftFloat.sqrt(d, x, rm, st));
            same("fma", a, b, c, (x, y, z, rm, st) -> F64.fma(x, y, z, false, false, rm, st),
                    (x, y, z, rm, st) -> SoftFloat.fma(d, x, y, z, false, false, rm, st));
            same("fnmsub", a, b, c, (x, y, z, rm, st) -> F64.fma(x, y, z, true, false, rm, st),
                    (x, y, z, rm, st) -> SoftFloat.fma(d, x, y, z, true, false, rm, st));
            same("toSingle", a, b, c, (x, y, z, rm, st) -> F64.toSingle(x, rm, st),
                    (x, y, z, rm, st) -> SoftFloat.convert(d, Format.SINGLE, x, rm, st));
        }
    }

    @Test
    void binary32FastPathsMatchTheExactPath() {
        Format s = Format.SINGLE;
        for (int i = 0; i < N; i++) {
            long a = randomSingle();
            long b = randomSingle();
            long c = randomSingle();
            if (random.nextInt(4) == 0) {
                FpStatus st = new FpStatus();
                c = (SoftFloat.mul(s, a, b, FpStatus.RNE, st) ^ 0x80000000L) + random.nextInt(3) - 1;
                c &= 0xffffffffL;
            }
            same("add.s", a, b, c, (x, y, z, rm, st) -> F32.add(x, y, rm, st), (x, y, z, rm, st) -> SoftFloat.add(s, x, y, rm, st));
            same("sub.s", a, b, c, (x, y, z, rm, st) -> F32.sub(x, y, rm, st),
                    (x, y, z, rm, st) -> SoftFloat.add(s, x, s.isNaN(y) ? y : y ^ s.signBit, rm, st));
            same("mul.s", a, b, c, (x, y, z, rm, st) -> F32.mul(x, y, rm, st), (x, y, z, rm, st) -> SoftFloat.mul(s, x, y, rm, st));
            same("div.s", a, b, c, (x, y, z, rm, st) -> F32.div(x, y, rm, st), (x, y, z, rm, st) -> SoftFloat.div(s, x, y, rm, st));
            same("sqrt.s", a, b, c, (x, y, z, rm, st) -> F32.sqrt(x, rm, st), (x, y, z, rm, st) -> SoftFloat.sqrt(s, x, rm, st));
            same("fma.s", a, b, c, (x, y, z, rm, st) -> F32.fma(x, y, z, false, true, rm, st),
                    (x, y, z, rm, st) -> SoftFloat.fma(s, x, y, z, false, true, rm, st));
        }
    }

    private static BigDecimal exact(long bits) {
        return new BigDecimal(Double.longBitsToDouble(bits));
    }

    /** The double {@code e} rounds to in mode {@code rm}, given a candidate's neighbourhood. */
    private static double expected(BigDecimal e, double candidate, int rm) {
        double lo;
        double hi;
        if (new BigDecimal(candidate).compareTo(e) <= 0) {
            lo = candidate;
            hi = Math.nextUp(candidate);
        } else {
            hi = candidate;
            lo = Math.nextDown(candidate);
        }
        BigDecimal bl = new BigDecimal(lo);
        BigDecimal bh = new BigDecimal(hi);
        assertThat(e).as("exact value between neighbours").isBetween(bl, bh);
        if (bl.compareTo(e) == 0) {
            return lo;
        }
        if (bh.compareTo(e) == 0) {
            return hi;
        }
        int cmp = e.subtract(bl).compareTo(bh.subtract(e));
        return switch (rm) {
            case FpStatus.RDN -> lo;
            case FpStatus.RUP -> hi;
            case FpStatus.RTZ -> e.signum() > 0 ? lo : hi;
            case FpStatus.RNE -> cmp < 0 ? lo : cmp > 0 ? hi : (Double.doubleToRawLongBits(lo) & 1) == 0 ? lo : hi;
            default -> cmp < 0 ? lo : cmp > 0 ? hi : e.signum() > 0 ? hi : lo;
        };
    }

    private void checkRounding(String what, BigDecimal e, long result, int flags, int rm) {
        double r = Double.longBitsToDouble(result);
        if (Double.isNaN(r) || Double.isInfinite(r) || Math.abs(r) == Double.MAX_VALUE || e.signum() == 0) {
            return;
        }
        assertThat(r).as("%s rm=%d of %s", what, rm, e).isEqualTo(expected(e, r, rm));
        assertThat((flags & FpStatus.NX) != 0).as("%s NX rm=%d of %s", what, rm, e)
                .isEqualTo(new BigDecimal(r).compareTo(e) != 0);
    }

    @Test
    void exactPathRoundsAsEachModeSays() {
        Format d = Format.DOUBLE;
        for (int i = 0; i < N / 20; i++) {
            long a = randomDouble();
            long b = randomDouble();
            long c = randomDouble();
            if (d.isNaN(a) || d.isNaN(b) || d.isNaN(c) || d.isInfinite(a) || d.isInfinite(b) || d.isInfinite(c)) {
                continue;
            }
            for (int rm = 0; rm <= 4; rm++) {
                FpStatus st = new FpStatus();
                long r = SoftFloat.add(d, a, b, rm, st);
                checkRounding("add", exact(a).add(exact(b)), r, st.flags, rm);
                st = new FpStatus();
                r = SoftFloat.mul(d, a, b, rm, st);
                checkRounding("mul", exact(a).multiply(exact(b)), r, st.flags, rm);
                st = new FpStatus();
                r = SoftFloat.fma(d, a, b, c, false, false, rm, st);
                checkRounding("fma", exact(a).multiply(exact(b)).add(exact(c)), r, st.flags, rm);
            }
        }
    }
}
