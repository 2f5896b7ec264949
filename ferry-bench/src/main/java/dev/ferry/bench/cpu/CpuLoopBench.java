package dev.ferry.bench.cpu;

import dev.ferry.machine.cpu.Cpu;
import dev.ferry.machine.device.SystemBus;
import dev.ferry.machine.memory.GuestMemory;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Interpreter versus JIT on one hot guest loop (xorshift, multiply, a load-add-store into a 2 KiB table, a
 * data-dependent branch): time per guest instruction, in deterministic mode, 1M instructions per invocation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class CpuLoopBench {

    /** Guest instructions per benchmark invocation. */
    static final int BATCH = 1_000_000;

    private static final long BASE = 0x8000_0000L;
    private static final int ZERO = 0, T0 = 5, T1 = 6, T2 = 7, S1 = 9, A0 = 10, A1 = 11, A2 = 12, A3 = 13, A4 = 14;
    private static final int T3 = 28;

    /** Whether the CPU translates hot code ({@code ferry.jit}). */
    @Param({"false", "true"})
    boolean jit;

    private Cpu cpu;

    @Setup
    public void setUp() {
        GuestMemory ram = new GuestMemory(BASE, 1 << 20);
        String old = System.getProperty("ferry.jit");
        System.setProperty("ferry.jit", Boolean.toString(jit));
        try {
            cpu = new Cpu(ram, new SystemBus(), null);
        } finally {
            if (old == null) {
                System.clearProperty("ferry.jit");
            } else {
                System.setProperty("ferry.jit", old);
            }
        }
        int[] code = program();
        byte[] bytes = new byte[code.length * 4];
        for (int i = 0; i < code.length; i++) {
            for (int k = 0; k < 4; k++) {
                bytes[4 * i + k] = (byte) (code[i] >>> (8 * k));
            }
        }
        ram.writeBytes(BASE, bytes, 0, bytes.length);
        cpu.reset(BASE);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long loop() {
        cpu.run(cpu.instret() + BATCH);
        return cpu.reg(A4);
    }

    /** The endless guest loop; 18 or 19 instructions per iteration. */
    static int[] program() {
        return new int[] {
            i(1, ZERO, 0, S1, 0x13), i(31, S1, 1, S1, 0x13), 0x10 << 12 | T1 << 7 | 0x37, r(0, T1, S1, 0, S1, 0x33),
            i(12345, ZERO, 0, A0, 0x13), i(0x7ed, ZERO, 0, A2, 0x13),
            // loop (index 6):
            i(13, A0, 1, T0, 0x13), r(0, T0, A0, 4, A0, 0x33), i(7, A0, 5, T0, 0x13), r(0, T0, A0, 4, A0, 0x33),
            i(17, A0, 1, T0, 0x13), r(0, T0, A0, 4, A0, 0x33), r(1, A2, A0, 0, A1, 0x33),
            i(56, A1, 5, T1, 0x13), i(3, T1, 1, T1, 0x13), r(0, S1, T1, 0, T1, 0x33),
            i(0, T1, 3, T2, 0x03), r(0, A1, T2, 0, T2, 0x33), s(0, T2, T1, 3),
            i(1, A1, 7, T3, 0x13), b(8, ZERO, T3, 0), i(1, A3, 0, A3, 0x13),
            // skip (index 22):
            i(1, A4, 0, A4, 0x13), j(-17 * 4),
        };
    }

    private static int r(int f7, int rs2, int rs1, int f3, int rd, int opc) {
        return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
    }

    private static int i(int imm, int rs1, int f3, int rd, int opc) {
        return (imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
    }

    private static int s(int imm, int rs2, int rs1, int f3) {
        return (imm >> 5 & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (imm & 31) << 7 | 0x23;
    }

    private static int b(int off, int rs2, int rs1, int f3) {
        return (off >> 12 & 1) << 31 | (off >> 5 & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12
                | (off >> 1 & 0xf) << 8 | (off >> 11 & 1) << 7 | 0x63;
    }

    private static int j(int off) {
        return (off >> 20 & 1) << 31 | (off >> 1 & 0x3ff) << 21 | (off >> 11 & 1) << 20 | (off >> 12 & 0xff) << 12
                | 0x6f;
    }
}
