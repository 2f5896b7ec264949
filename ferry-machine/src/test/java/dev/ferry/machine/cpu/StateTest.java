package dev.ferry.machine.cpu;

import static dev.ferry.machine.cpu.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.machine.device.InterruptSink;
import org.junit.jupiter.api.Test;

class StateTest {

    static TestMachine configured() {
        Asm a = new Asm(TestMachine.RAM_BASE);
        a.li(T1, 0x1234).csrw(Csr.MSCRATCH, T1).li(T1, 0x888).csrw(Csr.MIE, T1).li(T1, 5).csrw(Csr.MCOUNTEREN, T1)
                .li(T1, TestMachine.RAM_BASE + 0x400).csrw(Csr.MTVEC, T1).li(T1, -1).csrw(Csr.PMPADDR0 + 3, T1)
                .li(T1, 0x1f00_0000L).csrw(Csr.PMPCFG0, T1).li(T1, 1000).csrw(Csr.MCYCLE, T1)
                .li(S1, TestMachine.RAM_BASE + 0x8000).lr(true, A0, S1).li(A5, 77);
        a.label("end").j("end");
        TestMachine m = new TestMachine().load(a);
        m.cpu.setInterruptLevel(InterruptSink.MEIP, true);
        m.cpu.run(200);
        return m;
    }

    @Test
    void saveRestoreRoundTripsEverything() {
        TestMachine m = configured();
        CpuState s = m.cpu.saveState();
        assertThat(s.mscratch()).isEqualTo(0x1234);
        assertThat(s.pmpaddr()[3]).isEqualTo(-1);
        assertThat(s.pmpcfg()[3]).isEqualTo((byte) 0x1f);
        assertThat(s.reservationValid()).isTrue();
        assertThat(s.mipLevels()).isEqualTo(1 << InterruptSink.MEIP);
        assertThat(s.instret()).isEqualTo(200);
        assertThat(s.mcycle()).isGreaterThan(1000);

        TestMachine fresh = new TestMachine();
        fresh.cpu.restoreState(s);
        assertThat(fresh.cpu.saveState()).isEqualTo(s).hasSameHashCodeAs(s);
        assertThat(fresh.cpu.reg(A5)).isEqualTo(77);
        assertThat(fresh.cpu.pc()).isEqualTo(m.cpu.pc());
    }

    @Test
    void validateRejectsInconsistentState() {
        CpuState s = configured().cpu.saveState();
        TestMachine fresh = new TestMachine();
        long[] badX = s.x().clone();
        badX[0] = 1;
        assertThatThrownBy(() -> fresh.cpu.validateState(new CpuState(s.pc(), badX, s.privilege(), s.misa(),
                s.mstatus(), s.mie(), s.mipLevels(), s.mtvec(), s.mscratch(), s.mepc(), s.mcause(), s.mtval(),
                s.mcounteren(), s.scounteren(), s.menvcfg(), s.pmpcfg(), s.pmpaddr(), s.mcycle(), s.minstret(), s.mcountinhibit(),
                s.instret(),
                s.wfiSleeping(), s.reservationValid(), s.reservationAddress(), s.reservationValue(), s.supervisor(),
                s.fp())))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> fresh.cpu.validateState(new CpuState(s.pc(), s.x(), 2, s.misa(),
                s.mstatus(), s.mie(), s.mipLevels(), s.mtvec(), s.mscratch(), s.mepc(), s.mcause(), s.mtval(),
                s.mcounteren(), s.scounteren(), s.menvcfg(), s.pmpcfg(), s.pmpaddr(), s.mcycle(), s.minstret(), s.mcountinhibit(),
                s.instret(),
                s.wfiSleeping(), s.reservationValid(), s.reservationAddress(), s.reservationValue(), s.supervisor(),
                s.fp())))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> fresh.cpu.validateState(new CpuState(s.pc(), s.x(), s.privilege(), s.misa(),
                s.mstatus(), s.mie(), s.mipLevels(), s.mtvec(), s.mscratch(), s.mepc(), s.mcause(), s.mtval(),
                s.mcounteren(), s.scounteren(), s.menvcfg(), s.pmpcfg(), s.pmpaddr(), s.mcycle(), s.minstret(), s.mcountinhibit(),
                s.instret(),
                s.wfiSleeping(), s.reservationValid(), s.reservationAddress(), s.reservationValue(), s.supervisor(),
                new FpState(new long[31], 0))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> fresh.cpu.validateState(new CpuState(s.pc(), s.x(), s.privilege(), s.misa(),
                s.mstatus(), s.mie(), s.mipLevels(), s.mtvec(), s.mscratch(), s.mepc(), s.mcause(), s.mtval(),
                s.mcounteren(), s.scounteren(), s.menvcfg(), s.pmpcfg(), s.pmpaddr(), s.mcycle(), s.minstret(), s.mcountinhibit(),
                s.instret(),
                s.wfiSleeping(), s.reservationValid(), s.reservationAddress(), s.reservationValue(), s.supervisor(),
                new FpState(new long[32], 0x100))))
                .isInstanceOf(IllegalArgumentException.class);
        SupervisorState sv = s.supervisor();
        SupervisorState sv48Bad = new SupervisorState(sv.medeleg(), sv.mideleg(), sv.mipSoftware(), sv.stvec(),
                sv.sscratch(), sv.sepc(), sv.scause(), sv.stval(), 7L << 60, sv.senvcfg(), sv.hpmCounters(),
                sv.hpmEvents(), sv.tlbTags(), sv.tlbFrames());
        assertThatThrownBy(() -> fresh.cpu.validateState(new CpuState(s.pc(), s.x(), s.privilege(), s.misa(),
                s.mstatus(), s.mie(), s.mipLevels(), s.mtvec(), s.mscratch(), s.mepc(), s.mcause(), s.mtval(),
                s.mcounteren(), s.scounteren(), s.menvcfg(), s.pmpcfg(), s.pmpaddr(), s.mcycle(), s.minstret(),
                s.mcountinhibit(), s.instret(), s.wfiSleeping(), s.reservationValid(), s.reservationAddress(),
                s.reservationValue(), sv48Bad, s.fp())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("satp");
    }
}
