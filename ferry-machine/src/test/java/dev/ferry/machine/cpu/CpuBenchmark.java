package dev.ferry.machine.cpu;

import static dev.ferry.machine.cpu.Asm.*;

/**
 * Interpreter throughput: runs hot guest loops and a gcc-compiled program and prints millions of instructions
 * per second of the running thread's CPU time. Run with {@code java -cp target/classes:target/test-classes dev.ferry.machine.cpu.CpuBenchmark
 * [millions | gcc]}.
 */
public final class CpuBenchmark {

    private CpuBenchmark() {
    }

    /** A loop of ALU work, a RAM store and load, and a branch: 8 instructions per iteration. */
    static Asm aluLoop(long iterations) {
        Asm a = new Asm(TestMachine.RAM_BASE);
        a.li(S1, TestMachine.RAM_BASE + 0x10000).li(T0, iterations).li(A2, 0x9e37_79b9L);
        a.label("loop");
        a.addi(A0, A0, 1).op("xor", A1, A1, A0).op("mul", A3, A1, A2).sd(A3, S1, 0).ld(A4, S1, 0)
                .add(A5, A5, A4).addi(T0, T0, -1).bne(T0, ZERO, "loop");
        TestMachine.exit(a);
        return a;
    }

    /** A call-heavy loop: jal/jalr pairs, compressed-free, 10 instructions per iteration. */
    static Asm callLoop(long iterations) {
        Asm a = new Asm(TestMachine.RAM_BASE);
        a.li(SP, TestMachine.RAM_BASE + 0x10000).li(T0, iterations);
        a.label("loop");
        a.jal(RA, "f").addi(T0, T0, -1).bne(T0, ZERO, "loop");
        TestMachine.exit(a);
        a.label("f").addi(SP, SP, -16).sd(RA, SP, 8).addi(A0, A0, 3).ld(RA, SP, 8).addi(SP, SP, 16)
                .op("slt", A1, A0, T0).jalr(ZERO, RA, 0);
        return a;
    }

    /** Like {@link #aluLoop} but the stored-to word shares the page with the loop's code. */
    static Asm samePageLoop(long iterations) {
        Asm a = new Asm(TestMachine.RAM_BASE);
        a.la(S1, "data").li(T0, iterations).li(A2, 0x9e37_79b9L);
        a.label("loop");
        a.addi(A0, A0, 1).op("xor", A1, A1, A0).op("mul", A3, A1, A2).sd(A3, S1, 0).ld(A4, S1, 0)
                .add(A5, A5, A4).addi(T0, T0, -1).bne(T0, ZERO, "loop");
        TestMachine.exit(a);
        a.align(8).label("data").dword(0);
        return a;
    }

    /** CPU time of this thread: robust against other processes competing for the cores. */
    static long cpuNanos() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    static double mips(Asm program) {
        TestMachine m = new TestMachine(1 << 20, null).load(program);
        long t0 = cpuNanos();
        m.runToExitUnbounded();
        long ns = cpuNanos() - t0;
        return m.cpu.instret() * 1000.0 / ns;
    }

    /** Runs the gcc-compiled CoreMark-like mix (2000 iterations) and prints MIPS and wall time. */
    static void gccBench() {
        TestMachine m = GccProgramTest.machine(GccProgram.BENCH_IMAGE);
        long t0 = cpuNanos();
        m.runToExitUnbounded();
        long ns = cpuNanos() - t0;
        String out = m.console.toString();
        String expected = GccProgramTest.decode(GccProgram.BENCH_OUTPUT);
        System.out.printf("gcc bench: %d instructions in %.2f s, %.0f MIPS, output %s%n", m.cpu.instret(), ns / 1e9,
                m.cpu.instret() * 1000.0 / ns, out.equals(expected) ? "matches QEMU" : "DIFFERS: " + out);
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("gcc")) {
            for (int round = 0; round < 6; round++) {
                gccBench();
            }
            return;
        }
        long millions = args.length > 0 ? Long.parseLong(args[0]) : 400;
        for (int round = 0; round < 3; round++) {
            gccBench();
            System.out.printf("alu loop:  %.0f MIPS%n", mips(aluLoop(millions * 1_000_000 / 8)));
            System.out.printf("call loop: %.0f MIPS%n", mips(callLoop(millions * 1_000_000 / 10)));
            System.out.printf("same-page data loop: %.0f MIPS%n", mips(samePageLoop(millions * 1_000_000 / 80)));
        }
    }
}
