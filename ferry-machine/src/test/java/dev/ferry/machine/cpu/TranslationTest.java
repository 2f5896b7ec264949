package dev.ferry.machine.cpu;

import static dev.ferry.machine.cpu.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The hart under Sv39: code found by virtual address, remapped code, faults taken to M or delegated to S. */
class TranslationTest {

    private static final long RAM = TestMachine.RAM_BASE;
    private static final long ROOT = RAM + 0x10_000;
    private static final long L1 = RAM + 0x11_000;
    private static final long L0 = RAM + 0x12_000;
    private static final long CODE_A = RAM + 0x20_000;
    private static final long CODE_B = RAM + 0x21_000;
    private static final long MAIN = RAM + 0x22_000;
    private static final long LEAF = Mmu.PTE_V | Mmu.PTE_R | Mmu.PTE_W | Mmu.PTE_X | Mmu.PTE_A | Mmu.PTE_D;

    private static long pte(long pa, long flags) {
        return (pa >>> 12) << 10 | flags;
    }

    /** M-mode prologue: PMP open, trap vector "handler", satp on, then mret to S at virtual 0x1000. */
    private static Asm prologue() {
        return prologue(0);
    }

    private static Asm prologue(long medeleg) {
        Asm a = new Asm(RAM);
        a.li(T0, medeleg).csrw(Csr.MEDELEG, T0);
        a.li(T0, -1).csrw(Csr.PMPADDR0, T0).li(T0, 0x1f).csrw(Csr.PMPCFG0, T0);
        a.la(T0, "handler").csrw(Csr.MTVEC, T0);
        a.li(T0, 8L << 60 | ROOT >>> 12).csrw(Csr.SATP, T0);
        a.li(T0, 3L << 11).csrc(Csr.MSTATUS, T0).li(T0, 1L << 11).csrs(Csr.MSTATUS, T0);
        a.li(T0, 0x1000).csrw(Csr.MEPC, T0).mret();
        return a;
    }

    private static TestMachine machine(Asm m) {
        TestMachine t = new TestMachine();
        t.load(m);
        t.ram.store64(ROOT, pte(L1, Mmu.PTE_V));
        t.ram.store64(L1, pte(L0, Mmu.PTE_V));
        t.ram.store64(L0 + 8, pte(MAIN, LEAF));
        t.ram.store64(L0 + 16, pte(CODE_A, LEAF));
        // f at virtual 0x2000: li a0, N; ret
        byte[] fa = new Asm(0x2000).li(A0, 1).jalr(ZERO, RA, 0).assemble();
        byte[] fb = new Asm(0x2000).li(A0, 2).jalr(ZERO, RA, 0).assemble();
        t.ram.writeBytes(CODE_A, fa, 0, fa.length);
        t.ram.writeBytes(CODE_B, fb, 0, fb.length);
        // S code at virtual 0x1000: loop: call f; ecall; j loop
        byte[] s = new Asm(0x1000).label("loop").li(T1, 0x2000).jalr(RA, T1, 0).ecall().j("loop").assemble();
        t.ram.writeBytes(MAIN, s, 0, s.length);
        return t;
    }

    @Test
    void remappedCodeRunsAfterSfenceEvenThroughLinkedBlocks() {
        Asm a = prologue();
        a.label("handler").csrr(A6, Csr.MCAUSE).csrr(A7, Csr.MTVAL);
        TestMachine.exit(a);
        TestMachine m = machine(a);
        m.ram.store64(L0 + 24, pte(L0, LEAF));
        // S at 0x1000: call f twice through the same (linked) block; in between, S itself points f's virtual page
        // at other code and runs sfence.vma
        byte[] s = new Asm(0x1000).label("loop").li(T1, 0x2000).jalr(RA, T1, 0).slli(S2, S2, 4).add(S2, S2, A0)
                .bne(S3, ZERO, "done")
                .li(T0, 0x3000 + 16).li(T1, pte(CODE_B, LEAF)).sd(T1, T0, 0).word(0x1200_0073)
                .li(S3, 1).j("loop")
                .label("done").ecall().assemble();
        m.ram.writeBytes(MAIN, s, 0, s.length);
        m.runToExit();
        assertThat(m.reg(A6)).as("the S ecall at the end, mtval 0x%x", m.reg(A7)).isEqualTo(Cpu.CAUSE_ECALL_S);
        assertThat(m.reg(S2)).as("old mapping, then the new one").isEqualTo(0x12);
    }

    @Test
    void unmappedCodeIsAFetchPageFaultDelegatedToS() {
        Asm a = prologue(1L << Cpu.CAUSE_FETCH_PAGE);
        a.label("handler").csrr(A6, Csr.MCAUSE).csrr(A7, Csr.MTVAL);
        TestMachine.exit(a);
        TestMachine m = machine(a);
        // S: stvec = 0x1800 (same page), then a call to unmapped 0x5000
        byte[] s = new Asm(0x1000).li(T0, 0x1800).csrw(Csr.STVEC, T0).li(T1, 0x5000).jalr(RA, T1, 0).assemble();
        m.ram.writeBytes(MAIN, s, 0, s.length);
        byte[] h = new Asm(0x1800).csrr(S2, Csr.SCAUSE).csrr(S3, Csr.STVAL).csrr(S4, Csr.SEPC).ecall().assemble();
        m.ram.writeBytes(MAIN + 0x800, h, 0, h.length);
        m.runToExit();
        assertThat(m.reg(S2)).isEqualTo(Cpu.CAUSE_FETCH_PAGE);
        assertThat(m.reg(S3)).isEqualTo(0x5000);
        assertThat(m.reg(S4)).isEqualTo(0x5000);
        assertThat(m.reg(A6)).as("the S ecall reaches M").isEqualTo(Cpu.CAUSE_ECALL_S);
        assertThat(m.cpu.privilege()).isEqualTo(Cpu.PRIV_M);
    }
}
