package dev.ferry.machine.cpu;

import static dev.ferry.machine.cpu.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * F/D instructions in compiled code must be indistinguishable from the interpreter: a hot loop mixing FP loads
 * and stores, fused arithmetic, conversions, comparisons, an FP load from MMIO (which compiled code leaves to
 * the interpreter) and an FP instruction that traps on a reserved dynamic rounding mode, run straight and in
 * random slices, with the JIT on and off.
 */
class FpJitTest {

    private static final long DATA = JitTest.DATA;
    private static final int FT0 = 0, FT1 = 1, FT2 = 2, FT3 = 3;

    private static int fp(int f7, int rs2, int rs1, int rm, int rd) {
        return r(f7, rs2, rs1, rm, rd, 0x53);
    }

    static Asm program(int iterations) {
        Asm a = new Asm(JitTest.BASE);
        a.la(T0, "handler").csrw(Csr.MTVEC, T0).li(T1, 1L << 13).csrs(Csr.MSTATUS, T1)
                .li(S1, DATA).li(S2, TestMachine.DEV_MTIME).li(A0, 0).li(A1, iterations).li(A3, 0).li(S3, 0)
                .li(T1, Double.doubleToLongBits(1.25)).sd(T1, S1, 0);
        a.label("loop");
        a.word(i(0, S1, 3, FT0, 0x07))                         // fld ft0, 0(s1)
                .word(fp(0x69, 2, A0, 7, FT1))                 // fcvt.d.l ft1, a0 (dyn)
                .word(r(FT2 << 2 | 1, FT1, FT0, 7, FT2, 0x43)) // fmadd.d ft2, ft0, ft1, ft2 (dyn)
                .word(s(8, FT2, S1, 3, 0x27))                  // fsd ft2, 8(s1)
                .word(fp(0x61, 0, FT2, 1, A2))                 // fcvt.w.d a2, ft2, rtz
                .add(A3, A3, A2)
                .word(fp(0x51, FT0, FT0, 2, A4))               // feq.d a4, ft0, ft0
                .add(A3, A3, A4)
                .word(i(0, S2, 3, FT3, 0x07))                  // fld ft3, 0(s2): MMIO
                .word(fp(0x70, 0, FT3, 0, A5))                 // fmv.x.w a5, ft3
                .add(A3, A3, A5)
                .word(fp(0x00, FT1, FT0, 7, FT3))              // fadd.s ft3, ft0, ft1 (dyn): NaN-boxing
                .li(T2, iterations / 2).bne(A0, T2, "skip").li(T1, 5).csrw(Csr.FRM, T1);
        a.label("skip");
        a.addi(A0, A0, 1).blt(A0, A1, "loop");
        a.word(fp(0x71, 0, FT2, 0, A6)).csrr(A7, Csr.FCSR).csrr(S4, Csr.MSTATUS);
        TestMachine.exit(a);
        a.align(4).label("handler");
        a.csrw(Csr.FRM, ZERO).csrr(T3, Csr.MEPC).addi(T3, T3, 4).csrw(Csr.MEPC, T3).addi(S3, S3, 1).mret();
        return a;
    }

    /**
     * A hot loop whose fsd stores to data until, halfway, it is pointed at the loop's own next instruction and
     * rewrites it from addi +1 to addi +2: compiled code must stop right after that store, as the interpreter does.
     */
    static Asm selfModifying(int iterations) {
        Asm a = new Asm(JitTest.BASE);
        a.li(T1, 1L << 13).csrs(Csr.MSTATUS, T1).la(T0, "patch").li(S1, DATA + 16).li(S2, DATA).li(A0, 0)
                .li(A1, iterations).li(A3, 0).ld(T1, T0, 0).li(T2, 0xffff_ffff_0000_0000L).op("and", T1, T1, T2)
                .li(T2, i(2, A3, 0, A3, 0x13) & 0xffff_ffffL).op("or", T1, T1, T2).sd(T1, S2, 0);
        a.label("loop");
        a.li(T2, iterations / 2).bne(A0, T2, "keep").la(S1, "patch");
        a.label("keep");
        a.word(i(0, S2, 3, FT0, 0x07))      // fld ft0, 0(s2)
                .word(s(0, FT0, S1, 3, 0x27)); // fsd ft0, 0(s1): data, then the code at "patch"
        a.label("patch");
        a.addi(A3, A3, 1).addi(A4, A4, 0).addi(A0, A0, 1).blt(A0, A1, "loop");
        TestMachine.exit(a);
        return a;
    }

    @Test
    void compiledFpStoreIntoCodeEndsTheRegionLikeTheInterpreter() {
        Asm p = selfModifying(600);
        TestMachine jit = JitTest.machine(true).load(p).runToExit();
        TestMachine interp = JitTest.machine(false).load(p).runToExit();
        assertThat(jit.cpu.jitCompiledCount()).isPositive();
        assertThat(interp.reg(A3)).isEqualTo(300 + 2 * 300);
        assertThat(state(jit)).isEqualTo(state(interp));
    }

    private static String state(TestMachine m) {
        CpuState c = m.cpu.saveState();
        return JitTest.fingerprint(DeterminismTest.outcome(m)) + "\nfp=" + c.fp();
    }

    @Test
    void compiledFpMatchesTheInterpreter() {
        Asm p = program(4000);
        TestMachine jit = JitTest.machine(true).load(p).runToExit();
        TestMachine interp = JitTest.machine(false).load(p).runToExit();
        assertThat(jit.cpu.jitCompiledCount()).isPositive();
        assertThat(interp.reg(S3)).as("one trap on the reserved rounding mode").isEqualTo(1);
        assertThat(interp.reg(A7) & 1).as("inexact accrued").isEqualTo(1);
        assertThat(state(jit)).isEqualTo(state(interp));
    }

    @Test
    void slicedCompiledFpMatchesAStraightInterpretedRun() {
        Asm p = program(3000);
        TestMachine ref = JitTest.machine(false).load(p);
        TestMachine m = JitTest.machine(true).load(p);
        Random rnd = new Random(5);
        for (int k = 0; k < 400 && m.exitCode < 0; k++) {
            long target = m.cpu.instret() + 1 + rnd.nextInt(k % 3 == 0 ? 30 : 3000);
            m.cpu.run(target);
            ref.cpu.run(target);
            assertThat(state(m)).isEqualTo(state(ref));
        }
        assertThat(m.cpu.jitCompiledCount()).isPositive();
    }
}
