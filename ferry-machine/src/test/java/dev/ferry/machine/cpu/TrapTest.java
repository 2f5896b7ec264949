package dev.ferry.machine.cpu;

import static dev.ferry.machine.cpu.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class TrapTest {

    static final long BASE = TestMachine.RAM_BASE;

    /** Runs {@code body} with a handler that records mcause/mepc/mtval in s2/s3/s4 and privilege-independent exit. */
    static Asm last;

    /** Address of a label in the program most recently built by {@link #trap}. */
    static long at(String label) {
        return last.addressOf(label);
    }

    static TestMachine trap(Consumer<Asm> body) {
        Asm a = new Asm(BASE);
        last = a;
        a.la(T0, "handler").csrw(Csr.MTVEC, T0);
        body.accept(a);
        a.li(S2, -1);
        TestMachine.exit(a);
        a.align(4).label("handler");
        a.csrr(S2, Csr.MCAUSE).csrr(S3, Csr.MEPC).csrr(S4, Csr.MTVAL).csrr(S5, Csr.MSTATUS);
        TestMachine.exit(a);
        return new TestMachine().load(a).runToExit();
    }

    static void assertTrap(TestMachine m, long cause, long epc, long tval) {
        assertThat(m.reg(S2)).as("mcause").isEqualTo(cause);
        assertThat(m.reg(S3)).as("mepc").isEqualTo(epc);
        assertThat(m.reg(S4)).as("mtval").isEqualTo(tval);
    }

    @Test
    void illegalInstructionReportsItsBits() {
        TestMachine m = trap(a -> a.word(0x0020_8053));
        assertTrap(m, 2, BASE + 12, 0x0020_8053L);
        assertThat(m.cpu.instret()).as("the faulting instruction does not retire").isEqualTo(3 + 1 + 4 + 2);
    }

    @Test
    void illegalCompressedReportsSixteenBits() {
        assertTrap(trap(a -> a.half(0x2008)), 2, BASE + 12, 0x2008);
        assertTrap(trap(a -> a.half(0x0000)), 2, BASE + 12, 0);
        assertTrap(trap(a -> a.half(0x6001)), 2, BASE + 12, 0x6001);
    }

    @Test
    void ecallAndBreakpoints() {
        TestMachine m = trap(a -> a.ecall());
        assertTrap(m, 11, BASE + 12, 0);
        assertThat(m.reg(S5) & Csrs.MSTATUS_MPP).isEqualTo(Csrs.MSTATUS_MPP);
        assertTrap(trap(a -> a.ebreak()), 3, BASE + 12, 0);
        assertTrap(trap(a -> a.half(0x9002)), 3, BASE + 12, 0);
    }

    @Test
    void unmappedLoadStoreAndFetchAreAccessFaults() {
        TestMachine m = trap(a -> a.li(T1, 0x20_0000_0000L).label("f").ld(A0, T1, 8));
        assertTrap(m, 5, at("f"), 0x20_0000_0008L);
        m = trap(a -> a.li(T1, 0x20_0000_0000L).label("f").sw(A0, T1, 4));
        assertTrap(m, 7, at("f"), 0x20_0000_0004L);
        assertTrap(trap(a -> a.li(T1, 0x4000).jalr(RA, T1, 0)), 1, 0x4000, 0x4000);
    }

    @Test
    void misalignedAtomicsAsQemu72() {
        TestMachine m = trap(a -> a.li(T1, BASE + 0x8004).label("f").amo(0, true, A0, T1, A1));
        assertTrap(m, 4, at("f"), BASE + 0x8004);
        m = trap(a -> a.li(T1, BASE + 0x8002).label("f").lr(false, A0, T1));
        assertTrap(m, 4, at("f"), BASE + 0x8002);
        m = trap(a -> a.li(T1, BASE + 0x8004).lr(false, A0, T1).label("f").sc(true, A0, T1, A0));
        assertTrap(m, 4, at("f"), BASE + 0x8004);
        m = trap(a -> a.li(T1, BASE + 0x8004).sc(true, A7, T1, A0).label("f").ebreak());
        assertTrap(m, 3, at("f"), 0);
        assertThat(m.reg(A7)).as("SC without reservation fails before any alignment check").isEqualTo(1);
    }

    @Test
    void csrReadWriteSetClear() {
        TestMachine m = trap(a -> a.li(T1, 0xf0).csrrw(A0, Csr.MSCRATCH, T1).li(T1, 0x0f)
                .csrrs(A1, Csr.MSCRATCH, T1).li(T1, 0x30).csrrc(A2, Csr.MSCRATCH, T1).csrr(A3, Csr.MSCRATCH)
                .csrrwi(A4, Csr.MSCRATCH, 31).csrrsi(A5, Csr.MSCRATCH, 0).csrrci(A6, Csr.MSCRATCH, 3)
                .csrr(A7, Csr.MSCRATCH).csrr(T2, Csr.MISA).csrr(T3, Csr.MHARTID)
                .li(T1, -1).csrw(Csr.MIE, T1).csrr(T4, Csr.MIE)
                .li(T1, 0x1002).csrw(Csr.MTVEC, T1).csrr(T5, Csr.MTVEC)
                .li(T1, -1).csrw(Csr.MEPC, T1).csrr(GP, Csr.MEPC)
                .li(T1, 0x800).csrs(Csr.MSTATUS, T1).csrr(TP, Csr.MSTATUS));
        assertThat(m.reg(A0)).isZero();
        assertThat(m.reg(A1)).isEqualTo(0xf0);
        assertThat(m.reg(A2)).isEqualTo(0xff);
        assertThat(m.reg(A3)).isEqualTo(0xcf);
        assertThat(m.reg(A4)).isEqualTo(0xcf);
        assertThat(m.reg(A5)).isEqualTo(31);
        assertThat(m.reg(A6)).isEqualTo(31);
        assertThat(m.reg(A7)).isEqualTo(28);
        assertThat(m.reg(T2)).as("misa as on QEMU 7.2 -cpu rv64,h=false").isEqualTo(0x8000_0000_0014_112dL);
        assertThat(m.reg(T3)).isZero();
        assertThat(m.reg(T4)).as("mie write mask as on QEMU 7.2").isEqualTo(0x2eee);
        assertThat(m.reg(T5)).as("mtvec mode 2 is ignored").isEqualTo(BASE + 0x88 & ~0L).isNotEqualTo(0x1002);
        assertThat(m.reg(GP)).as("QEMU 7.2 keeps mepc bit 0 as written").isEqualTo(-1);
        assertThat(m.reg(TP) & Csrs.MSTATUS_MPP).as("MPP=1 is S mode").isEqualTo(1L << 11);
        assertThat(m.reg(TP) >>> 32 & 3).as("UXL").isEqualTo(2);
    }

    @Test
    void writingReadOnlyOrUnknownCsrIsIllegal() {
        TestMachine m = trap(a -> a.csrw(Csr.MHARTID, T1));
        assertTrap(m, 2, BASE + 12, 0xf14_31073L);
        assertTrap(trap(a -> a.csrr(A0, 0x7c0)), 2, BASE + 12, 0x7c0_02573L);
        assertTrap(trap(a -> a.csrr(A0, Csr.PMPCFG0 + 1)), 2, BASE + 12, 0x3a1_02573L);
        assertTrap(trap(a -> a.csrr(A0, 0xc13)), 2, BASE + 12, 0xc13_02573L);
        assertTrap(trap(a -> a.csrr(A0, 0xb13)), 2, BASE + 12, 0xb13_02573L);
        TestMachine ok = trap(a -> a.csrr(A0, 0xc12).csrr(A1, 0xb03).csrr(A2, 0x33f).li(T1, -1)
                .csrw(Csr.MCOUNTEREN, T1).csrr(A3, Csr.MCOUNTEREN));
        assertThat(ok.reg(S2)).as("no trap").isEqualTo(-1);
        assertThat(ok.reg(A3)).isEqualTo(-1);
    }

    @Test
    void countersCountRetiredInstructions() {
        TestMachine m = trap(a -> a.csrr(A0, Csr.MINSTRET).csrr(A1, Csr.MINSTRET).csrr(A2, Csr.CYCLE)
                .csrr(A3, Csr.TIME).li(T1, 1000).csrw(Csr.MINSTRET, T1).csrr(A4, Csr.INSTRET).nop()
                .csrr(A5, Csr.INSTRET));
        assertThat(m.reg(A0)).isEqualTo(3);
        assertThat(m.reg(A1)).isEqualTo(4);
        assertThat(m.reg(A2)).isEqualTo(5);
        assertThat(m.reg(A3)).as("deterministic mtime = ticks").isEqualTo(6);
        assertThat(m.reg(A4)).isEqualTo(1000);
        assertThat(m.reg(A5)).isEqualTo(1002);
    }

    @Test
    void mcountinhibitFreezesCounters() {
        TestMachine m = trap(a -> a.li(T1, 5).csrw(Csr.MCOUNTINHIBIT, T1).csrr(A0, Csr.MCYCLE).nop().nop()
                .csrr(A1, Csr.MCYCLE).csrr(A2, Csr.MINSTRET).csrr(A3, Csr.MINSTRET).li(T1, 100).csrw(Csr.MCYCLE, T1)
                .csrr(A4, Csr.CYCLE).csrw(Csr.MCOUNTINHIBIT, ZERO).nop().csrr(A5, Csr.MCYCLE)
                .csrr(A6, Csr.MCOUNTINHIBIT).csrr(A7, Csr.MINSTRET).csrr(T3, Csr.INSTRET));
        assertThat(m.reg(A0)).isEqualTo(m.reg(A1)).isEqualTo(5);
        assertThat(m.reg(A2)).isEqualTo(m.reg(A3)).isEqualTo(5);
        assertThat(m.reg(A4)).isEqualTo(100);
        assertThat(m.reg(A5)).as("counting again after the write retires").isEqualTo(101);
        assertThat(m.reg(A6)).isZero();
        assertThat(m.reg(T3)).isEqualTo(m.reg(A7) + 1);
    }

    /** Enters U mode at label "user" with pmpaddr0/pmpcfg0 as given. */
    static void enterUser(Asm a, long pmpaddr0, long pmpcfg0) {
        a.li(T1, pmpaddr0).csrw(Csr.PMPADDR0, T1).li(T1, pmpcfg0).csrw(Csr.PMPCFG0, T1);
        a.la(T1, "user").csrw(Csr.MEPC, T1).li(T1, Csrs.MSTATUS_MPP).csrc(Csr.MSTATUS, T1).mret();
        a.label("user");
    }

    @Test
    void userModeWithFullPmpRunsAndEcallsAsCause8() {
        TestMachine m = trap(a -> {
            enterUser(a, -1, 0x1f);
            a.li(A0, 42).li(T1, BASE + 0x8000).sd(A0, T1, 0).ld(A1, T1, 0);
            a.label("uecall").ecall();
        });
        assertThat(m.reg(S2)).isEqualTo(8);
        assertThat(m.reg(S3)).isEqualTo(at("uecall"));
        assertThat(m.reg(A1)).isEqualTo(42);
        assertThat(m.reg(S5) & Csrs.MSTATUS_MPP).isZero();
        assertThat(m.cpu.privilege()).isEqualTo(Cpu.PRIV_M);
    }

    @Test
    void mretToUserWithoutPmpRulesIsIllegalAsInQemu72() {
        TestMachine m = trap(a -> {
            a.la(T1, "user").csrw(Csr.MEPC, T1).li(T1, Csrs.MSTATUS_MPP).csrc(Csr.MSTATUS, T1).mret();
            a.label("user").ecall();
        });
        assertTrap(m, 2, at("user") - 4, 0x3020_0073L);
    }

    @Test
    void userModeCsrAccessIsGated() {
        assertThat(trap(a -> {
            enterUser(a, -1, 0x1f);
            a.csrr(A0, Csr.MSTATUS);
        }).reg(S2)).isEqualTo(2);
        TestMachine denied = trap(a -> {
            enterUser(a, -1, 0x1f);
            a.csrr(A0, Csr.CYCLE);
        });
        assertThat(denied.reg(S2)).isEqualTo(2);
        assertThat(denied.reg(S4)).isEqualTo(0xc00_02573L);
        TestMachine mOnly = trap(a -> {
            a.li(T1, 7).csrw(Csr.MCOUNTEREN, T1);
            enterUser(a, -1, 0x1f);
            a.csrr(A0, Csr.TIME).ecall();
        });
        assertThat(mOnly.reg(S2)).as("QEMU 7.2 also requires scounteren").isEqualTo(2);
        TestMachine allowed = trap(a -> {
            a.li(T1, 7).csrw(Csr.MCOUNTEREN, T1).csrw(Csr.SCOUNTEREN, T1);
            enterUser(a, -1, 0x1f);
            a.csrr(A0, Csr.TIME).ecall();
        });
        assertThat(allowed.reg(S2)).isEqualTo(8);
        assertThat(allowed.reg(A0)).isPositive();
        assertThat(trap(a -> {
            enterUser(a, -1, 0x1f);
            a.wfi();
        }).reg(S2)).as("WFI in U is illegal as in QEMU 7.2").isEqualTo(2);
    }

    @Test
    void pmpDeniesUserAccessOutsideItsRegion() {
        // NAPOT region: the first 64 KiB of RAM, R+X only.
        long napot = (BASE >>> 2) | ((0x10000 >>> 3) - 1);
        TestMachine load = trap(a -> {
            enterUser(a, napot, 0x1d);
            a.li(T1, BASE + 0x8000).ld(A0, T1, 0).li(T2, BASE + 0x20000).label("bad").ld(A1, T2, 0);
        });
        assertThat(load.reg(S2)).isEqualTo(5);
        assertThat(load.reg(S4)).isEqualTo(BASE + 0x20000);
        TestMachine store = trap(a -> {
            enterUser(a, napot, 0x1d);
            a.li(T1, BASE + 0x8000).sd(A0, T1, 0);
        });
        assertThat(store.reg(S2)).isEqualTo(7);
        assertThat(store.reg(S4)).isEqualTo(BASE + 0x8000);
        TestMachine fetch = trap(a -> {
            enterUser(a, napot, 0x1d);
            a.li(T1, BASE + 0x10000).jalr(ZERO, T1, 0);
        });
        assertThat(fetch.reg(S2)).isEqualTo(1);
        assertThat(fetch.reg(S3)).isEqualTo(BASE + 0x10000);
    }

    @Test
    void lockedPmpEntryAppliesToMachineMode() {
        // TOR entry 1 covers [BASE+0x7000, BASE+0x8000) with R+X, locked: M-mode stores there are denied.
        TestMachine m = trap(a -> {
            a.li(T1, (BASE + 0x7000) >>> 2).csrw(Csr.PMPADDR0, T1).li(T1, (BASE + 0x8000) >>> 2)
                    .csrw(Csr.PMPADDR0 + 1, T1).li(T1, 0x8d00).csrw(Csr.PMPCFG0, T1);
            a.li(T1, BASE + 0x9000).sd(T1, T1, 0).li(T1, BASE + 0x7000).sd(T1, T1, 0);
        });
        assertThat(m.reg(S2)).isEqualTo(7);
        assertThat(m.reg(S4)).isEqualTo(BASE + 0x7000);
    }

    @Test
    void setAndClearOfMipDoNotLatchThePlicsSupervisorLine() {
        // With the S-context line high, csrs mip (OpenSBI raising STIP) must not copy the line into the
        // software-writable SEIP bit: the read-modify-write uses the software bit, as the privileged spec and
        // QEMU 7.2 do. Otherwise SEIP stays pending after the line drops and the kernel sees an interrupt storm.
        TestMachine m = trap(a -> a.li(T0, TestMachine.DEV_LINES).li(T1, 4).sd(T1, T0, 0)
                .csrr(A0, Csr.MIP).li(T2, 1L << 5).csrs(Csr.MIP, T2).csrc(Csr.MIP, T2)
                .sd(ZERO, T0, 0).csrr(A1, Csr.MIP));
        assertThat(m.reg(S2)).as("no trap").isEqualTo(-1);
        assertThat(m.reg(A0) & 1L << 9).as("SEIP reads the line").isNotZero();
        assertThat(m.reg(A1) & 1L << 9).as("SEIP after the line dropped").isZero();
    }
}
