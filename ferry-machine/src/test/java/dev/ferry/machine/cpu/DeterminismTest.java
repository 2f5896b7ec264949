package dev.ferry.machine.cpu;

import static dev.ferry.machine.cpu.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.memory.GuestMemory;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * In deterministic mode the machine after N ticks must not depend on how execution was sliced, stopped or
 * moved between CPU instances. The guest mixes arithmetic, RAM stores, MMIO reads of mtime, console output,
 * WFI, ecalls, stores to the page its code is on, and a self-re-arming timer interrupt whose entry points it
 * logs to RAM.
 */
class DeterminismTest {

    static final long BASE = TestMachine.RAM_BASE;
    static final long LOG = BASE + 0x40000;
    static final long TABLE = BASE + 0x20000;
    static final long TOTAL = 3_000_000;

    static Asm program() {
        Asm a = new Asm(BASE);
        a.la(T0, "handler").csrw(Csr.MTVEC, T0);
        a.li(S1, LOG).li(S0, TestMachine.DEV_BASE).li(S2, TABLE);
        a.li(T1, 777).sd(T1, S0, 8);
        a.li(T1, 0x80).csrw(Csr.MIE, T1).csrrsi(ZERO, Csr.MSTATUS, 8);
        a.li(A0, 0).li(A1, 1).li(A2, 0x9e37_79b9_7f4a_7c15L).la(S3, "local");
        a.label("loop");
        a.addi(A0, A0, 1).op("mul", A1, A1, A2).op("xor", A1, A1, A0);
        a.andi(T2, A0, 255).slli(T2, T2, 3).add(T2, T2, S2).sd(A1, T2, 0).ld(T3, T2, 0);
        a.sd(A0, S3, 0);
        a.andi(T3, A0, 1023).bne(T3, ZERO, "skip");
        a.ld(T4, S0, 32).andi(T4, T4, 63).addi(T4, T4, 48).sb(T4, S0, 0);
        a.wfi();
        a.label("skip");
        a.andi(T3, A0, 4095).bne(T3, ZERO, "loop");
        a.ecall();
        a.j("loop");
        a.align(4).label("handler");
        a.csrr(T5, Csr.MCAUSE).blt(T5, ZERO, "irq");
        a.csrr(T5, Csr.MEPC).addi(T5, T5, 4).csrw(Csr.MEPC, T5).mret();
        a.label("irq");
        a.csrr(T5, Csr.MEPC).sd(T5, S1, 0).csrr(T5, Csr.MINSTRET).sd(T5, S1, 8).addi(S1, S1, 16);
        a.ld(T5, S0, 32).addi(T5, T5, 777).sd(T5, S0, 8);
        a.mret();
        a.align(8).label("local").dword(0);
        return a;
    }

    record Outcome(CpuState cpu, String memoryDigest, byte[] log, String console, java.util.List<Long> mtimeReads, long mtimecmp) { }

    static Outcome outcome(TestMachine m) {
        byte[] mem = new byte[(int) m.ram.size()];
        m.ram.readBytes(BASE, mem, 0, mem.length);
        byte[] log = java.util.Arrays.copyOfRange(mem, (int) (LOG - BASE), (int) (LOG - BASE) + 0x10000);
        try {
            String digest = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(mem));
            return new Outcome(m.cpu.saveState(), digest, log, m.console.toString(), m.mtimeReads, m.mtimecmp);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Moves everything to a fresh machine, as a migration would. */
    static TestMachine migrate(TestMachine from) {
        TestMachine to = new TestMachine();
        byte[] page = new byte[GuestMemory.PAGE_SIZE];
        for (int p = 0; p < from.ram.pageCount(); p++) {
            from.ram.copyPage(p, page, 0);
            to.ram.loadPage(p, page, 0);
        }
        to.cpu.restoreState(from.cpu.saveState());
        to.mtimecmp = from.mtimecmp;
        to.lines = from.lines;
        to.console.append(from.console);
        to.mtimeReads.addAll(from.mtimeReads);
        return to;
    }

    static Outcome straight() {
        TestMachine m = new TestMachine().load(program());
        assertThat(m.cpu.run(TOTAL)).isEqualTo(StopReason.INSTRET_LIMIT);
        return outcome(m);
    }

    @Test
    void slicedRunsWithSaveRestoreIntoFreshCpusMatchOneStraightRun() {
        Outcome expected = straight();
        assertThat(expected.console()).hasSizeGreaterThan(100);
        assertThat(expected.log()[16 * 100]).as("many interrupts logged").isNotZero();

        Random rnd = new Random(42);
        TestMachine m = new TestMachine().load(program());
        while (m.cpu.instret() < TOTAL) {
            long step = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(3) : 1 + rnd.nextInt(60_000);
            long target = Math.min(TOTAL, m.cpu.instret() + step);
            assertThat(m.cpu.run(target)).isEqualTo(StopReason.INSTRET_LIMIT);
            assertThat(m.cpu.instret()).isEqualTo(target);
            if (rnd.nextInt(3) == 0) {
                m = migrate(m);
            }
        }
        Outcome actual = outcome(m);
        assertThat(actual).usingRecursiveComparison().isEqualTo(expected);
    }

    @Test
    void singleSteppingMatches() {
        long total = 200_000;
        TestMachine a = new TestMachine().load(program());
        a.cpu.run(total);
        TestMachine b = new TestMachine().load(program());
        while (b.cpu.instret() < total) {
            b.cpu.run(b.cpu.instret() + 1);
        }
        assertThat(outcome(b)).usingRecursiveComparison().isEqualTo(outcome(a));
    }

    @Test
    void asynchronousStopRequestsDoNotChangeTheOutcome() throws Exception {
        Outcome expected = straight();
        TestMachine m = new TestMachine().load(program());
        AtomicBoolean done = new AtomicBoolean();
        Cpu cpu = m.cpu;
        Thread stopper = new Thread(() -> {
            while (!done.get()) {
                cpu.requestStop();
                Thread.onSpinWait();
            }
        });
        stopper.start();
        int stops = 0;
        try {
            while (cpu.run(TOTAL) == StopReason.STOP_REQUESTED) {
                stops++;
            }
        } finally {
            done.set(true);
            stopper.join();
        }
        assertThat(stops).isPositive();
        assertThat(outcome(m)).usingRecursiveComparison().isEqualTo(expected);
    }

    @Test
    void mmioReadOfMtimeSeesTheExactTickOfTheLoad() {
        Asm a = new Asm(BASE);
        a.li(T1, TestMachine.DEV_MTIME).label("x").nop().nop().nop().ld(A0, T1, 0).nop().ld(A1, T1, 0).csrr(A2, Csr.TIME);
        TestMachine.exit(a);
        TestMachine m = new TestMachine().load(a).runToExit();
        long before = (a.addressOf("x") - BASE) / 4;
        assertThat(m.reg(A0)).isEqualTo(before + 3);
        assertThat(m.reg(A1)).isEqualTo(before + 5);
        assertThat(m.reg(A2)).isEqualTo(before + 6);
    }
}
