package dev.ferry.machine.cpu.fpu;

import static dev.ferry.machine.cpu.fpu.FpStatus.DZ;
import static dev.ferry.machine.cpu.fpu.FpStatus.NV;
import static dev.ferry.machine.cpu.fpu.FpStatus.NX;
import static dev.ferry.machine.cpu.fpu.FpStatus.OF;
import static dev.ferry.machine.cpu.fpu.FpStatus.RDN;
import static dev.ferry.machine.cpu.fpu.FpStatus.RMM;
import static dev.ferry.machine.cpu.fpu.FpStatus.RNE;
import static dev.ferry.machine.cpu.fpu.FpStatus.RTZ;
import static dev.ferry.machine.cpu.fpu.FpStatus.RUP;
import static dev.ferry.machine.cpu.fpu.FpStatus.UF;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Hand-derived edge cases of IEEE 754 as RISC-V specifies them: ties, overflow to infinity or the largest finite
 * number by rounding direction, tininess detected after rounding, signed zeros, canonical NaNs, invalid
 * operations, the fused operations' single rounding, and the saturating integer conversions.
 */
class EdgeCaseTest {

    private static final long ONE = 0x3ff0000000000000L;
    private static final long DMAX = 0x7fefffffffffffffL;
    private static final long DINF = 0x7ff0000000000000L;
    private static final long NEG = Long.MIN_VALUE;
    private static final long DNAN = 0x7ff8000000000000L;
    private static final long DSNAN = 0x7ff4000000000000L;
    private static final long MIN_NORMAL = 0x0010000000000000L;

    /** One operation's result and flags. */
    private record R(long bits, int flags) { }

    private interface Op1 {
        long apply(int rm, FpStatus st);
    }

    private static R run(int rm, Op1 op) {
        FpStatus st = new FpStatus();
        long v = op.apply(rm, st);
        return new R(v, st.flags);
    }

    @Test
    void tiesRoundPerMode() {
        long half = 0x3ca0000000000000L; // 2^-53: exactly half an ulp of 1
        assertThat(run(RNE, (rm, st) -> F64.add(ONE, half, rm, st))).isEqualTo(new R(ONE, NX));
        assertThat(run(RTZ, (rm, st) -> F64.add(ONE, half, rm, st))).isEqualTo(new R(ONE, NX));
        assertThat(run(RDN, (rm, st) -> F64.add(ONE, half, rm, st))).isEqualTo(new R(ONE, NX));
        assertThat(run(RUP, (rm, st) -> F64.add(ONE, half, rm, st))).isEqualTo(new R(ONE + 1, NX));
        assertThat(run(RMM, (rm, st) -> F64.add(ONE, half, rm, st))).isEqualTo(new R(ONE + 1, NX));
        long threeHalves = 0x3cb8000000000000L; // 1.5 ulp: RNE goes to even (up)
        assertThat(run(RNE, (rm, st) -> F64.add(ONE, threeHalves, rm, st))).isEqualTo(new R(ONE + 2, NX));
        assertThat(run(RDN, (rm, st) -> F64.add(NEG | ONE, NEG | half, rm, st))).isEqualTo(new R(NEG | ONE + 1, NX));
    }

    @Test
    void overflowGivesInfinityOrLargestFinite() {
        assertThat(run(RNE, (rm, st) -> F64.add(DMAX, DMAX, rm, st))).isEqualTo(new R(DINF, OF | NX));
        assertThat(run(RMM, (rm, st) -> F64.add(DMAX, DMAX, rm, st))).isEqualTo(new R(DINF, OF | NX));
        assertThat(run(RTZ, (rm, st) -> F64.add(DMAX, DMAX, rm, st))).isEqualTo(new R(DMAX, OF | NX));
        assertThat(run(RDN, (rm, st) -> F64.add(DMAX, DMAX, rm, st))).isEqualTo(new R(DMAX, OF | NX));
        assertThat(run(RUP, (rm, st) -> F64.add(DMAX, DMAX, rm, st))).isEqualTo(new R(DINF, OF | NX));
        assertThat(run(RUP, (rm, st) -> F64.add(NEG | DMAX, NEG | DMAX, rm, st))).isEqualTo(new R(NEG | DMAX, OF | NX));
        assertThat(run(RDN, (rm, st) -> F64.add(NEG | DMAX, NEG | DMAX, rm, st))).isEqualTo(new R(NEG | DINF, OF | NX));
        assertThat(run(RTZ, (rm, st) -> F32.mul(0x7f7fffffL, 0x40000000L, rm, st))).isEqualTo(new R(0x7f7fffffL, OF | NX));
    }

    @Test
    void underflowAndSubnormals() {
        long halfOfSmallest = 0x3fe0000000000000L; // 0.5
        assertThat(run(RNE, (rm, st) -> F64.mul(1, halfOfSmallest, rm, st))).isEqualTo(new R(0, UF | NX));
        assertThat(run(RUP, (rm, st) -> F64.mul(1, halfOfSmallest, rm, st))).isEqualTo(new R(1, UF | NX));
        assertThat(run(RMM, (rm, st) -> F64.mul(1, halfOfSmallest, rm, st))).isEqualTo(new R(1, UF | NX));
        assertThat(run(RDN, (rm, st) -> F64.mul(NEG | 1, halfOfSmallest, rm, st))).isEqualTo(new R(NEG | 1, UF | NX));
        // exact subnormal results raise nothing
        assertThat(run(RNE, (rm, st) -> F64.mul(2, halfOfSmallest, rm, st))).isEqualTo(new R(1, 0));
        assertThat(run(RNE, (rm, st) -> F64.sub(MIN_NORMAL, MIN_NORMAL + 1, rm, st))).isEqualTo(new R(NEG | 1, 0));
    }

    @Test
    void tininessIsDetectedAfterRounding() {
        // (2 - 2^-24) * 2^-127 = 2^-126 * (1 - 2^-25): rounds to 2^-126 with an unbounded exponent, so not tiny
        long notTiny = 0x380FFFFFF0000000L;
        assertThat(run(RNE, (rm, st) -> F64.toSingle(notTiny, rm, st))).isEqualTo(new R(0x00800000L, NX));
        assertThat(run(RTZ, (rm, st) -> F64.toSingle(notTiny, rm, st))).isEqualTo(new R(0x007fffffL, UF | NX));
        // (2 - 2^-23) * 2^-127 has 24 bits: tiny, though the subnormal rounding goes up to 2^-126
        long tiny = 0x380FFFFFE0000000L;
        assertThat(run(RNE, (rm, st) -> F64.toSingle(tiny, rm, st))).isEqualTo(new R(0x00800000L, UF | NX));
        // binary64: (2 - 2^-52) * 2^-1023 rounds up to 2^-1022 in the subnormal grid and is tiny
        assertThat(run(RNE, (rm, st) -> F64.mul(0x001fffffffffffffL, 0x3fe0000000000000L, rm, st)))
                .isEqualTo(new R(MIN_NORMAL, UF | NX));
    }

    @Test
    void signedZeros() {
        assertThat(run(RNE, (rm, st) -> F64.add(ONE, NEG | ONE, rm, st))).isEqualTo(new R(0, 0));
        assertThat(run(RDN, (rm, st) -> F64.add(ONE, NEG | ONE, rm, st))).isEqualTo(new R(NEG, 0));
        assertThat(run(RNE, (rm, st) -> F64.add(NEG, NEG, rm, st))).isEqualTo(new R(NEG, 0));
        assertThat(run(RNE, (rm, st) -> F64.add(0, NEG, rm, st))).isEqualTo(new R(0, 0));
        assertThat(run(RDN, (rm, st) -> F64.add(0, NEG, rm, st))).isEqualTo(new R(NEG, 0));
        assertThat(run(RNE, (rm, st) -> F64.sqrt(NEG, rm, st))).isEqualTo(new R(NEG, 0));
        assertThat(run(RNE, (rm, st) -> F64.mul(NEG | ONE, 0, rm, st))).isEqualTo(new R(NEG, 0));
        // fnmadd(0 * 1, 0) = -(0) - 0 = -0
        assertThat(run(RNE, (rm, st) -> F64.fma(0, ONE, 0, true, true, rm, st))).isEqualTo(new R(NEG, 0));
        assertThat(run(RNE, (rm, st) -> F64.fma(0, ONE, 0, true, false, rm, st))).isEqualTo(new R(0, 0));
    }

    @Test
    void nansAreCanonicalAndSignallingOnesInvalid() {
        assertThat(run(RNE, (rm, st) -> F64.add(0x7ff8000000000123L, ONE, rm, st))).isEqualTo(new R(DNAN, 0));
        assertThat(run(RNE, (rm, st) -> F64.add(DSNAN, ONE, rm, st))).isEqualTo(new R(DNAN, NV));
        assertThat(run(RNE, (rm, st) -> F64.add(DINF, NEG | DINF, rm, st))).isEqualTo(new R(DNAN, NV));
        assertThat(run(RNE, (rm, st) -> F64.mul(DINF, 0, rm, st))).isEqualTo(new R(DNAN, NV));
        assertThat(run(RNE, (rm, st) -> F64.div(0, 0, rm, st))).isEqualTo(new R(DNAN, NV));
        assertThat(run(RNE, (rm, st) -> F64.div(NEG | ONE, 0, rm, st))).isEqualTo(new R(NEG | DINF, DZ));
        assertThat(run(RNE, (rm, st) -> F64.sqrt(NEG | ONE, rm, st))).isEqualTo(new R(DNAN, NV));
        assertThat(run(RNE, (rm, st) -> F64.toSingle(DSNAN, rm, st))).isEqualTo(new R(0x7fc00000L, NV));
        assertThat(run(RNE, (rm, st) -> F64.fromSingle(0xffc00001L, st))).isEqualTo(new R(DNAN, 0));
        assertThat(run(RNE, (rm, st) -> F32.add(0x7f800001L, 0x3f800000L, rm, st))).isEqualTo(new R(0x7fc00000L, NV));
    }

    @Test
    void fusedOperationsRoundOnce() {
        long onePlus = ONE + 1; // 1 + 2^-52
        // (1 + 2^-52)^2 - (1 + 2^-51) = 2^-104, exactly
        assertThat(run(RNE, (rm, st) -> F64.fma(onePlus, onePlus, NEG | ONE + 2, false, false, rm, st)))
                .isEqualTo(new R(0x3970000000000000L, 0));
        // infinity times zero is invalid even with a quiet NaN addend
        assertThat(run(RNE, (rm, st) -> F64.fma(DINF, 0, DNAN, false, false, rm, st))).isEqualTo(new R(DNAN, NV));
        assertThat(run(RNE, (rm, st) -> F64.fma(ONE, ONE, DNAN, false, false, rm, st))).isEqualTo(new R(DNAN, 0));
        assertThat(run(RNE, (rm, st) -> F64.fma(DINF, ONE, NEG | DINF, false, false, rm, st))).isEqualTo(new R(DNAN, NV));
        // an exact zero sum is -0 only when rounding down
        assertThat(run(RNE, (rm, st) -> F64.fma(ONE, ONE, NEG | ONE, false, false, rm, st))).isEqualTo(new R(0, 0));
        assertThat(run(RDN, (rm, st) -> F64.fma(ONE, ONE, NEG | ONE, false, false, rm, st))).isEqualTo(new R(NEG, 0));
        // product overflows but the sum does not
        assertThat(run(RNE, (rm, st) -> F64.fma(DMAX, 0x4000000000000000L, NEG | DMAX, false, false, rm, st)))
                .isEqualTo(new R(DMAX, 0));
        // binary32: (1 + 2^-23)^2 - (1 + 2^-22) = 2^-46
        assertThat(run(RNE, (rm, st) -> F32.fma(0x3f800001L, 0x3f800001L, 0xbf800002L, false, false, rm, st)))
                .isEqualTo(new R(0x28800000L, 0));
        // (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24 is halfway between two binary32 values; a tiny addend decides, though
        // binary64 rounding of the sum loses it
        assertThat(run(RNE, (rm, st) -> F32.fma(0x3f800800L, 0x3f800800L, 0x17800000L, false, false, rm, st)))
                .isEqualTo(new R(0x3f801001L, NX));
        assertThat(run(RNE, (rm, st) -> F32.fma(0x3f800800L, 0x3f800800L, 0x97800000L, false, false, rm, st)))
                .isEqualTo(new R(0x3f801000L, NX));
        assertThat(run(RNE, (rm, st) -> F32.fma(0x3f800800L, 0x3f800800L, 0, false, false, rm, st)))
                .isEqualTo(new R(0x3f801000L, NX));
    }

    @Test
    void minMaxAndComparisons() {
        FpStatus st = new FpStatus();
        assertThat(F64.min(0, NEG, st)).isEqualTo(NEG);
        assertThat(F64.max(NEG, 0, st)).isEqualTo(0);
        assertThat(F64.min(DNAN, ONE, st)).isEqualTo(ONE);
        assertThat(st.flags).isZero();
        assertThat(F64.min(DSNAN, ONE, st)).isEqualTo(ONE);
        assertThat(st.flags).isEqualTo(NV);
        st.flags = 0;
        assertThat(F64.max(0x7ff8000000000001L, 0x7ff8000000000002L, st)).isEqualTo(DNAN);
        assertThat(F64.eq(DNAN, DNAN, st)).isFalse();
        assertThat(st.flags).isZero();
        assertThat(F64.eq(0, NEG, st)).isTrue();
        assertThat(F64.lt(DNAN, ONE, st)).isFalse();
        assertThat(st.flags).isEqualTo(NV);
        st.flags = 0;
        assertThat(F64.le(NEG, 0, st)).isTrue();
        assertThat(F64.lt(NEG, 0, st)).isFalse();
        assertThat(F64.eq(DSNAN, ONE, st)).isFalse();
        assertThat(st.flags).isEqualTo(NV);
    }

    @Test
    void classes() {
        assertThat(F64.classify(NEG | DINF)).isEqualTo(1);
        assertThat(F64.classify(NEG | ONE)).isEqualTo(2);
        assertThat(F64.classify(NEG | 1)).isEqualTo(4);
        assertThat(F64.classify(NEG)).isEqualTo(8);
        assertThat(F64.classify(0)).isEqualTo(16);
        assertThat(F64.classify(1)).isEqualTo(32);
        assertThat(F64.classify(ONE)).isEqualTo(64);
        assertThat(F64.classify(DINF)).isEqualTo(128);
        assertThat(F64.classify(DSNAN)).isEqualTo(256);
        assertThat(F64.classify(DNAN)).isEqualTo(512);
        assertThat(F32.classify(0x7fa00000L)).isEqualTo(256);
        assertThat(F32.classify(0x00000001L)).isEqualTo(32);
    }

    private static R toInt(long d, boolean is64, boolean unsigned, int rm) {
        return run(rm, (r, st) -> F64.toInteger(d, is64, unsigned, r, st));
    }

    @Test
    void integerConversionsSaturate() {
        long maxIntPlusHalf = Double.doubleToLongBits(2147483647.5);
        assertThat(toInt(maxIntPlusHalf, false, false, RNE)).isEqualTo(new R(0x7fffffffL, NV));
        assertThat(toInt(maxIntPlusHalf, false, false, RTZ)).isEqualTo(new R(0x7fffffffL, NX));
        long minIntMinusHalf = Double.doubleToLongBits(-2147483648.5);
        assertThat(toInt(minIntMinusHalf, false, false, RNE)).isEqualTo(new R(-2147483648L, NX));
        assertThat(toInt(minIntMinusHalf, false, false, RDN)).isEqualTo(new R(-2147483648L, NV));
        long minusHalf = Double.doubleToLongBits(-0.5);
        assertThat(toInt(minusHalf, false, true, RTZ)).isEqualTo(new R(0, NX));
        assertThat(toInt(minusHalf, false, true, RDN)).isEqualTo(new R(0, NV));
        assertThat(toInt(NEG | ONE, true, true, RNE)).isEqualTo(new R(0, NV));
        // NaN gives the largest value; 32-bit results are sign-extended (wu too)
        assertThat(toInt(DNAN, false, true, RNE)).isEqualTo(new R(-1L, NV));
        assertThat(toInt(DNAN, false, false, RNE)).isEqualTo(new R(0x7fffffffL, NV));
        assertThat(toInt(DNAN, true, false, RNE)).isEqualTo(new R(Long.MAX_VALUE, NV));
        assertThat(toInt(NEG | DINF, true, false, RNE)).isEqualTo(new R(Long.MIN_VALUE, NV));
        assertThat(toInt(Double.doubleToLongBits(0x1p63), true, false, RNE)).isEqualTo(new R(Long.MAX_VALUE, NV));
        assertThat(toInt(Double.doubleToLongBits(-0x1p63), true, false, RNE)).isEqualTo(new R(Long.MIN_VALUE, 0));
        assertThat(toInt(Double.doubleToLongBits(0x1p63), true, true, RNE)).isEqualTo(new R(Long.MIN_VALUE, 0));
        assertThat(toInt(Double.doubleToLongBits(0x1p64), true, true, RNE)).isEqualTo(new R(-1L, NV));
        assertThat(toInt(Double.doubleToLongBits(4294967295.0), false, true, RNE)).isEqualTo(new R(-1L, 0));
        assertThat(toInt(Double.doubleToLongBits(2.5), true, false, RMM)).isEqualTo(new R(3, NX));
        assertThat(toInt(Double.doubleToLongBits(2.5), true, false, RNE)).isEqualTo(new R(2, NX));
        assertThat(toInt(Double.doubleToLongBits(-2.5), true, false, RMM)).isEqualTo(new R(-3, NX));
        assertThat(toInt(Double.doubleToLongBits(0.49999999999999994), true, false, RMM)).isEqualTo(new R(0, NX));
    }

    @Test
    void integersToFloatingPoint() {
        long twoTo24Plus1 = (1 << 24) + 1;
        assertThat(run(RNE, (rm, st) -> F32.fromInteger(twoTo24Plus1, true, false, rm, st))).isEqualTo(new R(0x4b800000L, NX));
        assertThat(run(RUP, (rm, st) -> F32.fromInteger(twoTo24Plus1, true, false, rm, st))).isEqualTo(new R(0x4b800001L, NX));
        assertThat(run(RNE, (rm, st) -> F64.fromInteger(-1, true, true, rm, st))).isEqualTo(new R(0x43f0000000000000L, NX));
        assertThat(run(RTZ, (rm, st) -> F64.fromInteger(-1, true, true, rm, st))).isEqualTo(new R(0x43efffffffffffffL, NX));
        assertThat(run(RNE, (rm, st) -> F64.fromInteger(0xffff_ffffL, false, false, rm, st))).isEqualTo(new R(NEG | ONE, 0));
        assertThat(run(RNE, (rm, st) -> F64.fromInteger(-1, false, true, rm, st))).isEqualTo(new R(0x41efffffffe00000L, 0));
        assertThat(run(RNE, (rm, st) -> F64.fromInteger(Long.MIN_VALUE, true, false, rm, st))).isEqualTo(new R(0xc3e0000000000000L, 0));
    }
}
