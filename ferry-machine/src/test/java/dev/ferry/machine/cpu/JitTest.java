package dev.ferry.machine.cpu;

import static dev.ferry.machine.cpu.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The JIT ({@link Jit}) with a low threshold must be indistinguishable from the interpreter: same state after
 * any number of ticks however the run is sliced, coherent with code written after compilation, prompt to stop.
 * The whole CPU and board suites also run with the JIT on (second surefire execution in the module's pom).
 */
class JitTest {

    static final long BASE = TestMachine.RAM_BASE;
    static final long DATA = BASE + 0x20000;

    /** A test machine whose CPU has the JIT on (threshold 3) or off, whatever the system properties say. */
    static TestMachine machine(boolean jit) {
        return withJit(jit, TestMachine::new);
    }

    static synchronized <T> T withJit(boolean jit, Supplier<T> create) {
        String on = System.getProperty("ferry.jit");
        String threshold = System.getProperty("ferry.jit.threshold");
        System.setProperty("ferry.jit", Boolean.toString(jit));
        System.setProperty("ferry.jit.threshold", "3");
        try {
            return create.get();
        } finally {
            restore("ferry.jit", on);
            restore("ferry.jit.threshold", threshold);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    static DeterminismTest.Outcome runTo(Asm program, boolean jit, long total) {
        TestMachine m = machine(jit).load(program);
        m.cpu.run(total);
        assertThat(m.cpu.instret()).isEqualTo(total);
        return DeterminismTest.outcome(m);
    }

    static void assertSame(DeterminismTest.Outcome actual, DeterminismTest.Outcome expected) {
        assertThat(fingerprint(actual)).isEqualTo(fingerprint(expected));
    }

    /** Everything an outcome holds, as text (faster to compare than a recursive comparison). */
    static String fingerprint(DeterminismTest.Outcome o) {
        CpuState c = o.cpu();
        return String.join("\n", "pc=" + Long.toHexString(c.pc()), "x=" + Arrays.toString(c.x()),
                "priv=" + c.privilege(), "mstatus=" + c.mstatus(), "mie=" + c.mie(), "mip=" + c.mipLevels(),
                "mtvec=" + c.mtvec(), "mscratch=" + c.mscratch(), "mepc=" + c.mepc(), "mcause=" + c.mcause(),
                "mtval=" + c.mtval(), "mcounteren=" + c.mcounteren(), "scounteren=" + c.scounteren(),
                "menvcfg=" + c.menvcfg(), "mcountinhibit=" + c.mcountinhibit(),
                "pmpcfg=" + Arrays.toString(c.pmpcfg()), "pmpaddr=" + Arrays.toString(c.pmpaddr()),
                "mcycle=" + c.mcycle(), "minstret=" + c.minstret(), "instret=" + c.instret(),
                "wfi=" + c.wfiSleeping(), "res=" + c.reservationValid() + "/" + c.reservationAddress() + "/"
                        + c.reservationValue(),
                "memory=" + o.memoryDigest(), "console=" + o.console(), "mtimeReads=" + o.mtimeReads(),
                "mtimecmp=" + o.mtimecmp());
    }

    @AfterEach
    void noGeneratedClassWasRejected() {
        assertThat(JitCompiler.REJECTED.get()).isZero();
    }

    @Test
    void hotLoopsAreCompiledAndMatchTheInterpreter() {
        for (Asm p : new Asm[] {CpuBenchmark.aluLoop(100_000), CpuBenchmark.callLoop(100_000)}) {
            TestMachine jit = machine(true).load(p).runToExit();
            TestMachine interp = machine(false).load(p).runToExit();
            assertThat(jit.cpu.jitCompiledCount()).isPositive();
            assertThat(interp.cpu.jitCompiledCount()).isEqualTo(-1);
            assertSame(DeterminismTest.outcome(jit), DeterminismTest.outcome(interp));
        }
    }

    @Test
    void determinismGuestSlicedWithTheJitMatchesAStraightInterpretedRun() {
        long total = DeterminismTest.TOTAL;
        DeterminismTest.Outcome expected = runTo(DeterminismTest.program(), false, total);
        Random rnd = new Random(7);
        TestMachine m = machine(true).load(DeterminismTest.program());
        while (m.cpu.instret() < total) {
            long step = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(40) : 1 + rnd.nextInt(60_000);
            long target = Math.min(total, m.cpu.instret() + step);
            assertThat(m.cpu.run(target)).isEqualTo(StopReason.INSTRET_LIMIT);
            assertThat(m.cpu.instret()).isEqualTo(target);
        }
        assertThat(m.cpu.jitCompiledCount()).isPositive();
        assertSame(DeterminismTest.outcome(m), expected);
    }

    @Test
    void budgetEndingInsideACompiledLoopIsExact() {
        Asm p = CpuBenchmark.aluLoop(1_000_000);
        for (long total : new long[] {1, 7, 40, 41, 42, 43, 44, 45, 46, 47, 1003, 12_345, 100_001}) {
            assertSame(runTo(p, true, total), runTo(p, false, total));
        }
        TestMachine m = machine(true).load(p);
        TestMachine ref = machine(false).load(p);
        Random rnd = new Random(3);
        for (int i = 0; i < 300; i++) {
            long target = m.cpu.instret() + 1 + rnd.nextInt(50);
            m.cpu.run(target);
            ref.cpu.run(target);
            assertThat(m.cpu.instret()).isEqualTo(target);
            assertSame(DeterminismTest.outcome(m), DeterminismTest.outcome(ref));
        }
    }

    /** Random straight-line ALU, M and memory instructions inside a loop; the JIT must agree bit for bit. */
    @Test
    void randomInstructionMixesMatchTheInterpreter() {
        String[] ops = {"add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and", "addw", "subw",
            "sllw", "srlw", "sraw", "mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu", "mulw", "divw",
            "divuw", "remw", "remuw"};
        long[] specials = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0x8000_0000L, 0xffff_ffffL, -0x8000_0000L, 63,
            64, 31, 32};
        Random rnd = new Random(11);
        for (int program = 0; program < 40; program++) {
            Asm a = new Asm(BASE);
            for (int r = 5; r < 32; r++) {
                a.li(r, rnd.nextInt(3) == 0 ? specials[rnd.nextInt(specials.length)] : rnd.nextLong());
            }
            a.li(S1, DATA).li(S0, 20);
            a.label("loop");
            for (int k = 0; k < 60; k++) {
                int rd = 5 + rnd.nextInt(27);
                int rs1 = rnd.nextInt(32);
                int rs2 = rnd.nextInt(32);
                if (rd == S0 || rd == S1) {
                    rd = T0;
                }
                long imm = rnd.nextInt(4096) - 2048;
                switch (rnd.nextInt(8)) {
                    case 0, 1, 2 -> a.op(ops[rnd.nextInt(ops.length)], rd, rs1, rs2);
                    case 3 -> {
                        switch (rnd.nextInt(11)) {
                            case 0 -> a.addi(rd, rs1, imm);
                            case 1 -> a.slti(rd, rs1, imm);
                            case 2 -> a.sltiu(rd, rs1, imm);
                            case 3 -> a.xori(rd, rs1, imm);
                            case 4 -> a.andi(rd, rs1, imm);
                            case 5 -> a.slli(rd, rs1, rnd.nextInt(64));
                            case 6 -> a.srai(rd, rs1, rnd.nextInt(64));
                            case 7 -> a.addiw(rd, rs1, imm);
                            case 8 -> a.sraiw(rd, rs1, rnd.nextInt(32));
                            case 9 -> a.srliw(rd, rs1, rnd.nextInt(32));
                            default -> a.lui(rd, rnd.nextInt(1 << 20));
                        }
                    }
                    case 4 -> a.load(rnd.nextInt(7), rd, S1, rnd.nextInt(4096) - 8);
                    case 5 -> a.word(Asm.s(rnd.nextInt(4096) - 8, rs2, S1, rnd.nextInt(4), 0x23));
                    case 6 -> {
                        String skip = "s" + program + "_" + k;
                        a.branch(new int[] {0, 1, 4, 5, 6, 7}[rnd.nextInt(6)], rs1, rs2, skip);
                        a.op("xor", rd, rd, rs1).label(skip);
                    }
                    default -> a.ori(rd, rs1, imm);
                }
            }
            a.addi(S0, S0, -1).bne(S0, ZERO, "loop");
            TestMachine.exit(a);
            TestMachine jit = machine(true).load(a).runToExit();
            TestMachine interp = machine(false).load(a).runToExit();
            assertThat(jit.cpu.jitCompiledCount()).isPositive();
            assertSame(DeterminismTest.outcome(jit), DeterminismTest.outcome(interp));
        }
    }

    /**
     * A hot loop full of things compiled code leaves to the interpreter: an AMO, MMIO loads and stores, a load
     * that faults (the handler skips it), a CSR read, a misaligned page-crossing RAM access; state and device
     * traffic must match the interpreter at every slice boundary.
     */
    @Test
    void bailOutsInsideACompiledLoopMatchTheInterpreter() {
        Asm a = new Asm(BASE);
        a.la(T0, "handler").csrw(Csr.MTVEC, T0);
        a.li(S0, TestMachine.DEV_BASE).li(S1, DATA).li(S2, 3000).li(A0, 0).li(A1, 0);
        a.label("loop");
        a.addi(A0, A0, 1).amo(0, false, A2, S1, A0).ld(A3, S0, 32).add(A1, A1, A3);
        a.andi(T1, A0, 63).bne(T1, ZERO, "quiet").andi(T2, A0, 15).addi(T2, T2, 65).sb(T2, S0, 0);
        a.label("quiet").ld(T3, ZERO, 8).add(A1, A1, T3).csrr(T4, Csr.MINSTRET).op("xor", A1, A1, T4);
        a.sd(A1, S1, 4093).ld(T5, S1, 4093).add(A1, A1, T5);
        a.addi(S2, S2, -1).bne(S2, ZERO, "loop");
        TestMachine.exit(a);
        a.align(4).label("handler").csrr(T6, Csr.MEPC).addi(T6, T6, 4).csrw(Csr.MEPC, T6).addi(A4, A4, 1).mret();
        TestMachine interp = machine(false).load(a).runToExit();
        long total = interp.cpu.instret();
        assertThat(interp.reg(A4)).isEqualTo(3000);
        assertThat(interp.console.length()).isEqualTo(3000 / 64);
        TestMachine jit = machine(true).load(a).runToExit();
        assertThat(jit.cpu.jitCompiledCount()).isPositive();
        assertSame(DeterminismTest.outcome(jit), DeterminismTest.outcome(interp));
        Random rnd = new Random(5);
        TestMachine sliced = machine(true).load(a);
        TestMachine ref = machine(false).load(a);
        while (sliced.cpu.instret() < total - 10) {
            long target = sliced.cpu.instret() + 1 + rnd.nextInt(200);
            sliced.cpu.run(target);
            ref.cpu.run(target);
            assertSame(DeterminismTest.outcome(sliced), DeterminismTest.outcome(ref));
        }
    }

    /** The loop rewrites one of its own instructions (no fence.i) after it has been compiled. */
    @Test
    void storeIntoCompiledCodeWithoutFenceIIsSeenAtOnce() {
        Asm a = new Asm(BASE);
        a.li(T0, 200).la(S1, "patch").li(A0, 0).li(T2, Asm.i(5, A0, 0, A0, 0x13));
        a.label("loop");
        a.label("patch").addi(A0, A0, 1);
        a.li(T1, 100).bne(T0, T1, "skip").sw(T2, S1, 0).addi(A0, A0, 1000);
        a.label("skip").addi(T0, T0, -1).bne(T0, ZERO, "loop");
        TestMachine.exit(a);
        TestMachine jit = machine(true).load(a).runToExit();
        TestMachine interp = machine(false).load(a).runToExit();
        assertThat(interp.reg(A0)).isEqualTo(101 + 1000 + 99 * 5);
        assertThat(jit.cpu.jitCompiledCount()).isPositive();
        assertSame(DeterminismTest.outcome(jit), DeterminismTest.outcome(interp));
    }

    /** Compiled code stores into its own loop once (other iterations store to data); the patch applies at once. */
    @Test
    void compiledStoreIntoItsOwnCodeEndsTheRegion() {
        Asm a = new Asm(BASE);
        a.li(T0, 200).li(S2, DATA).la(S3, "patch").op("sub", T5, S3, S2).li(A0, 0)
                .li(T2, Asm.i(5, A0, 0, A0, 0x13));
        a.label("loop");
        a.label("patch").addi(A0, A0, 1);
        a.addi(T3, T0, -100).sltiu(T3, T3, 1).op("sub", T4, ZERO, T3).op("and", T4, T4, T5).add(T4, T4, S2)
                .sw(T2, T4, 0).addi(A1, A1, 1).addi(T0, T0, -1).bne(T0, ZERO, "loop");
        TestMachine.exit(a);
        TestMachine jit = machine(true).load(a).runToExit();
        TestMachine interp = machine(false).load(a).runToExit();
        assertThat(interp.reg(A0)).isEqualTo(101 + 99 * 5);
        assertThat(jit.cpu.jitCompiledCount()).isPositive();
        assertSame(DeterminismTest.outcome(jit), DeterminismTest.outcome(interp));
    }

    /**
     * Compiled code patches a function on a page that also holds hot data (so the interpreter watches it by
     * granules, not by page); the next call must run the new code.
     */
    @Test
    void compiledStoreIntoAGranuleModePageInvalidatesItsCode() {
        Asm a = new Asm(BASE);
        a.li(S0, 300).la(S1, "f").la(S2, "fdata").li(A0, 0).li(T2, Asm.i(5, A0, 0, A0, 0x13)).li(T1, 100);
        a.label("loop").jal(RA, "f");
        a.sd(S0, S2, 0).bne(S0, T1, "skip").sw(T2, S1, 0);
        a.label("skip").addi(S0, S0, -1).bne(S0, ZERO, "loop");
        TestMachine.exit(a);
        a.align(4096).label("f").addi(A0, A0, 1).jalr(ZERO, RA, 0);
        a.align(2048).label("fdata").dword(0);
        TestMachine jit = machine(true).load(a).runToExit();
        TestMachine interp = machine(false).load(a).runToExit();
        assertThat(interp.reg(A0)).isEqualTo(201 + 99 * 5);
        assertThat(jit.cpu.jitCompiledCount()).isPositive();
        assertSame(DeterminismTest.outcome(jit), DeterminismTest.outcome(interp));
    }

    /** A compiled function is patched from another page, then called again after fence.i. */
    @Test
    void patchedFunctionAfterFenceIRunsTheNewCode() {
        Asm a = new Asm(BASE);
        a.li(SP, BASE + 0x10000).li(T0, 50).li(A0, 0);
        a.label("loop").jal(RA, "f").addi(T0, T0, -1).bne(T0, ZERO, "loop");
        a.la(S1, "f").li(T2, Asm.i(7, A0, 0, A0, 0x13)).sw(T2, S1, 0).fenceI();
        a.li(T0, 50);
        a.label("loop2").jal(RA, "f").addi(T0, T0, -1).bne(T0, ZERO, "loop2");
        TestMachine.exit(a);
        a.align(4096).label("f").addi(A0, A0, 1).slli(A1, A0, 1).jalr(ZERO, RA, 0);
        TestMachine jit = machine(true).load(a).runToExit();
        assertThat(jit.reg(A0)).isEqualTo(50 + 50 * 7);
        assertThat(jit.cpu.jitCompiledCount()).isPositive();
    }

    /** The host rewrites compiled code between two runs (as a state load or page supply would). */
    @Test
    void hostWriteInvalidatesCompiledCode() {
        Asm a = new Asm(BASE);
        a.li(A0, 0);
        a.label("loop").addi(A0, A0, 1).j("loop");
        TestMachine m = machine(true).load(a);
        m.cpu.run(1000);
        assertThat(m.cpu.jitCompiledCount()).isPositive();
        long before = m.reg(A0);
        byte[] add3 = new byte[4];
        int inst = Asm.i(3, A0, 0, A0, 0x13);
        for (int i = 0; i < 4; i++) {
            add3[i] = (byte) (inst >>> (8 * i));
        }
        long addr = a.addressOf("loop");
        m.ram.writeBytes(addr, add3, 0, 4);
        m.cpu.run(2000);
        assertThat(m.reg(A0) - before).isBetween(3L * 499, 3L * 501);
    }

    @Test
    void requestStopEndsACompiledInfiniteLoopPromptly() throws Exception {
        Asm a = new Asm(BASE);
        a.label("loop").addi(A0, A0, 1).op("xor", A1, A1, A0).j("loop");
        TestMachine m = machine(true).load(a);
        AtomicReference<StopReason> reason = new AtomicReference<>();
        Thread t = new Thread(() -> reason.set(m.cpu.run(Long.MAX_VALUE)));
        t.start();
        Thread.sleep(300);
        long t0 = System.nanoTime();
        m.cpu.requestStop();
        t.join(5000);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(reason.get()).isEqualTo(StopReason.STOP_REQUESTED);
        assertThat(ms).isLessThan(1000);
        assertThat(m.cpu.jitCompiledCount()).isPositive();
    }
}
