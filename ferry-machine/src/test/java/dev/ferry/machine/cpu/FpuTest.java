package dev.ferry.machine.cpu;

import static dev.ferry.machine.cpu.Asm.*;
import static dev.ferry.machine.cpu.TrapTest.BASE;
import static dev.ferry.machine.cpu.TrapTest.assertTrap;
import static dev.ferry.machine.cpu.TrapTest.trap;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The F and D extensions inside the hart: mstatus.FS gating and tracking, the FP CSRs, decoding (compressed
 * forms included), FP loads and stores, save/restore of the register file, and FP code mixed with integer
 * code the JIT compiles.
 */
class FpuTest {

    private static final int FT0 = 0, FT1 = 1, FT2 = 2, FA0 = 10;

    private static int fp(int f7, int rs2, int rs1, int rm, int rd) {
        return r(f7, rs2, rs1, rm, rd, 0x53);
    }

    private static int fmvDX(int fd, int rs1) {
        return fp(0x79, 0, rs1, 0, fd);
    }

    private static int fmvXD(int rd, int fs) {
        return fp(0x71, 0, fs, 0, rd);
    }

    private static int faddD(int fd, int fs1, int fs2, int rm) {
        return fp(0x01, fs2, fs1, rm, fd);
    }

    private static Asm fsOn(Asm a) {
        return a.li(T1, 1L << 13).csrs(Csr.MSTATUS, T1);
    }

    @Test
    void fpInstructionsAndCsrsAreIllegalWhileFsIsOff() {
        assertTrap(trap(a -> a.word(faddD(FT0, FT1, FT2, 7))), 2, BASE + 12, faddD(FT0, FT1, FT2, 7) & 0xffff_ffffL);
        assertTrap(trap(a -> a.csrr(A0, Csr.FCSR)), 2, BASE + 12, 0x0030_2573L);
        assertTrap(trap(a -> a.half(0x2008)), 2, BASE + 12, 0x2008);
    }

    @Test
    void writesOfFpStateMakeFsDirtyAndSetSd() {
        TestMachine m = trap(a -> fsOn(a).csrr(A0, Csr.MSTATUS).word(fmvXD(A1, FT0)).csrr(A2, Csr.MSTATUS)
                .word(fmvDX(FT0, ZERO)).csrr(A3, Csr.MSTATUS).li(T1, 1L << 14).csrc(Csr.MSTATUS, T1)
                .csrr(A4, Csr.MSTATUS).csrr(A5, Csr.FFLAGS).csrr(A6, Csr.MSTATUS).csrw(Csr.FRM, ZERO)
                .csrr(A7, Csr.MSTATUS));
        assertThat(m.reg(S2)).as("no trap").isEqualTo(-1);
        long fs = Csrs.MSTATUS_FS;
        assertThat(m.reg(A0) & (fs | Csrs.MSTATUS_SD)).as("Initial").isEqualTo(1L << 13);
        assertThat(m.reg(A2) & (fs | Csrs.MSTATUS_SD)).as("fmv.x.d writes no FP state").isEqualTo(1L << 13);
        assertThat(m.reg(A3) & (fs | Csrs.MSTATUS_SD)).as("Dirty with SD").isEqualTo(fs | Csrs.MSTATUS_SD);
        assertThat(m.reg(A4) & (fs | Csrs.MSTATUS_SD)).as("Clean").isEqualTo(1L << 13);
        assertThat(m.reg(A6) & (fs | Csrs.MSTATUS_SD)).as("reading fflags keeps Clean").isEqualTo(1L << 13);
        assertThat(m.reg(A7) & (fs | Csrs.MSTATUS_SD)).as("writing frm dirties").isEqualTo(fs | Csrs.MSTATUS_SD);
    }

    @Test
    void fcsrFieldsAndReservedRoundingModes() {
        TestMachine m = trap(a -> fsOn(a).li(T1, -1).csrw(Csr.FCSR, T1).csrr(A0, Csr.FCSR).csrr(A1, Csr.FRM)
                .csrr(A2, Csr.FFLAGS).li(T1, 0).csrw(Csr.FCSR, T1).li(T1, 5).csrw(Csr.FRM, T1)
                .word(faddD(FT0, FT1, FT2, 0)).csrr(A3, Csr.FFLAGS).word(faddD(FT0, FT1, FT2, 7)));
        assertThat(m.reg(A0)).isEqualTo(0xff);
        assertThat(m.reg(A1)).isEqualTo(7);
        assertThat(m.reg(A2)).isEqualTo(0x1f);
        assertThat(m.reg(A3)).as("static rne runs while frm is reserved").isZero();
        assertThat(m.reg(S2)).as("dynamic rounding with frm=5 is illegal").isEqualTo(2);
        assertThat(m.reg(S4)).isEqualTo(faddD(FT0, FT1, FT2, 7) & 0xffff_ffffL);
    }

    @Test
    void arithmeticLoadsStoresAndNanBoxing() {
        long data = BASE + 0x4000;
        TestMachine m = trap(a -> fsOn(a).li(S1, data).li(T1, 0x3ff8_0000_0000_0000L).sd(T1, S1, 0)
                .word(i(0, S1, 3, FT1, 0x07))                                   // fld ft1, 0(s1)
                .word(faddD(FT2, FT1, FT1, 0))                                  // 1.5 + 1.5
                .word(s(8, FT2, S1, 3, 0x27))                                   // fsd ft2, 8(s1)
                .word(i(0, S1, 2, FT0, 0x07))                                   // flw ft0, 0(s1): boxed low word
                .word(fmvXD(A1, FT0))
                .word(fp(0x00, FT1, FT1, 0, FT0))                               // fadd.s of a double: NaN
                .word(fmvXD(A2, FT0))
                .ld(A0, S1, 8));
        assertThat(m.reg(S2)).isEqualTo(-1);
        assertThat(m.reg(A0)).isEqualTo(Double.doubleToLongBits(3.0));
        assertThat(m.reg(A1)).isEqualTo(0xffff_ffff_0000_0000L);
        assertThat(m.reg(A2)).isEqualTo(0xffff_ffff_7fc0_0000L);
    }

    @Test
    void compressedFormsDecodeToTheirExpansions() {
        // c.fld fa0, 8(s1) / c.fsd fa0, 8(s1) / c.fldsp fa0, 8(sp) / c.fsdsp fa0, 8(sp)
        int[][] cases = {
            {0x2488, i(8, S1, 3, FA0, 0x07)}, {0xa488, s(8, FA0, S1, 3, 0x27)},
            {0x2522, i(8, SP, 3, FA0, 0x07)}, {0xa42a, s(8, FA0, SP, 3, 0x27)},
        };
        for (int[] c : cases) {
            Block b = CompressedDecodeTest.decode(new byte[] {(byte) c[0], (byte) (c[0] >>> 8)});
            assertThat(b.ops[0] & 0xff).as("%04x", c[0]).isEqualTo(Op.FP);
            assertThat(b.imm[0]).as("%04x", c[0]).isEqualTo((c[1] & 0xffff_ffffL) | (long) c[0] << 32);
            assertThat(b.offs[1]).isEqualTo(2);
        }
    }

    @Test
    void fpStateIsSavedRestoredAndValidated() {
        TestMachine m = trap(a -> fsOn(a).li(T1, 0x4009_21fb_5444_2d18L).word(fmvDX(FT2, T1)).li(T1, 0x61)
                .csrw(Csr.FCSR, T1));
        CpuState s = m.cpu.saveState();
        assertThat(s.fp().f()[2]).isEqualTo(0x4009_21fb_5444_2d18L);
        assertThat(s.fp().fcsr()).isEqualTo(0x61);
        TestMachine fresh = new TestMachine();
        fresh.cpu.validateState(s);
        fresh.cpu.restoreState(s);
        assertThat(fresh.cpu.saveState()).isEqualTo(s);
        assertThatThrownBy(() -> Fpu.validate(new FpState(new long[32], 0x100)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Fpu.validate(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fpInHotLoopsRunsBesideCompiledIntegerCode() {
        // sum += (double) i * 0.5 for i < 20000, with integer work around it, in one hot loop
        TestMachine m = trap(a -> {
            fsOn(a).li(T1, Double.doubleToLongBits(0.5)).word(fmvDX(FT1, T1)).word(fmvDX(FT0, ZERO))
                    .li(A0, 0).li(A1, 20_000).li(A2, 0);
            a.label("loop");
            a.word(fp(0x69, 2, A0, 7, FT2))            // fcvt.d.l ft2, a0
                    .word(r(FT0 << 2 | 1, FT1, FT2, 7, FT0, 0x43)) // fmadd.d ft0, ft2, ft1, ft0
                    .add(A2, A2, A0).addi(A0, A0, 1).blt(A0, A1, "loop");
            a.word(fmvXD(A3, FT0)).csrr(A4, Csr.FFLAGS);
        });
        double expected = 0;
        for (int i = 0; i < 20_000; i++) {
            expected = Math.fma(i, 0.5, expected);
        }
        assertThat(m.reg(S2)).isEqualTo(-1);
        assertThat(Double.longBitsToDouble(m.reg(A3))).isEqualTo(expected);
        assertThat(m.reg(A2)).isEqualTo(19_999L * 20_000 / 2);
        assertThat(m.reg(A4)).as("all exact").isZero();
    }
}
