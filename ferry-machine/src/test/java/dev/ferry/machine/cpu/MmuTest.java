package dev.ferry.machine.cpu;

import static dev.ferry.machine.cpu.Mmu.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.memory.GuestMemory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The page-table walker and software TLB, on page tables written straight into RAM. */
class MmuTest {

    private static final long RAM = 0x8000_0000L;
    private static final long ROOT = RAM + 0x1000;
    private static final long L1 = RAM + 0x2000;
    private static final long L0 = RAM + 0x3000;
    private static final long PAGE = RAM + 0x10_000;
    private static final long ALL = PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;

    private GuestMemory ram;
    private Pmp pmp;
    private Mmu mmu;
    private int pteWrites;

    @BeforeEach
    void setUp() {
        ram = new GuestMemory(RAM, 4 << 20);
        pmp = new Pmp();
        pmp.writeAddr(0, -1L);
        pmp.writeCfg(0, 0x1f);
        mmu = new Mmu(ram, pmp, (a, v) -> {
            pteWrites++;
            ram.store64(a, v);
        });
        assertThat(mmu.writeSatp(8L << 60 | ROOT >>> 12)).isTrue();
        ram.store64(ROOT, pte(L1, PTE_V));
        ram.store64(L1, pte(L0, PTE_V));
    }

    private static long pte(long pa, long flags) {
        return (pa >>> 12) << 10 | flags;
    }

    private long s(long va, int kind) {
        return mmu.translate(va, kind, Cpu.PRIV_S, false, false);
    }

    @Test
    void fourKilobytePageTranslatesEveryOffset() {
        ram.store64(L0 + 8 * 5, pte(PAGE, ALL));
        assertThat(s(0x5123, READ)).isEqualTo(PAGE + 0x123);
        assertThat(s(0x5fff, WRITE)).isEqualTo(PAGE + 0xfff);
        assertThat(s(0x5000, FETCH)).isEqualTo(PAGE);
        assertThat(s(0x6000, READ)).as("neighbour not mapped").isEqualTo(PAGE_FAULT);
    }

    @Test
    void superpagesAndMisalignedSuperpages() {
        ram.store64(L1 + 8, pte(RAM + 0x20_0000, ALL));
        assertThat(s(0x20_0000 + 0x1234_5, READ)).isEqualTo(RAM + 0x20_0000 + 0x1234_5);
        ram.store64(L1 + 16, pte(RAM + 0x20_1000, ALL));
        assertThat(s(0x40_0000, READ)).as("2 MiB page with PPN[0] != 0").isEqualTo(PAGE_FAULT);
        ram.store64(ROOT + 8 * 2, pte(RAM, ALL));
        assertThat(s(0x8000_0000L + 0x3456_7, WRITE)).isEqualTo(RAM + 0x3456_7);
        ram.store64(ROOT + 8 * 3, pte(RAM + 0x20_0000, ALL));
        assertThat(s(0xc000_0000L, READ)).as("1 GiB page with PPN[1] != 0").isEqualTo(PAGE_FAULT);
    }

    @Test
    void accessedAndDirtyAreSetInTheWalkAndTheTlbAvoidsWalks() {
        ram.store64(L0, pte(PAGE, PTE_V | PTE_R | PTE_W));
        assertThat(s(0x10, READ)).isEqualTo(PAGE + 0x10);
        assertThat(ram.load64(L0) & (PTE_A | PTE_D)).isEqualTo(PTE_A);
        int walks = mmu.walks();
        assertThat(s(0x20, READ)).isEqualTo(PAGE + 0x20);
        assertThat(mmu.walks()).as("TLB hit").isEqualTo(walks);
        assertThat(s(0x30, WRITE)).isEqualTo(PAGE + 0x30);
        assertThat(mmu.walks()).as("the write TLB is separate").isEqualTo(walks + 1);
        assertThat(ram.load64(L0) & (PTE_A | PTE_D)).isEqualTo(PTE_A | PTE_D);
        assertThat(pteWrites).isEqualTo(2);
        ram.store64(L0, 0);
        assertThat(s(0x40, WRITE)).as("stale until flushed, as on hardware").isEqualTo(PAGE + 0x40);
        mmu.flush();
        assertThat(s(0x40, WRITE)).isEqualTo(PAGE_FAULT);
    }

    @Test
    void savedTlbKeepsItsEntriesSoARestoredRunWalksWhenTheOriginalWould() {
        ram.store64(L0, pte(PAGE, PTE_V | PTE_R | PTE_W));
        assertThat(s(0x10, READ)).isEqualTo(PAGE + 0x10);
        ram.store64(L0, ram.load64(L0) & ~PTE_A);
        Mmu restored = new Mmu(ram, pmp, (a, v) -> ram.store64(a, v));
        restored.restoreSatp(mmu.satp());
        restored.restoreTlb(mmu.tlbTags(), mmu.tlbFrames());
        assertThat(restored.translate(0x20, READ, Cpu.PRIV_S, false, false)).isEqualTo(PAGE + 0x20);
        assertThat(restored.walks()).as("served from the restored TLB").isZero();
        assertThat(ram.load64(L0) & PTE_A).as("A stays clear, as in the original run").isZero();
    }

    @Test
    void userAndSupervisorPagesAndSumAndMxr() {
        ram.store64(L0, pte(PAGE, ALL | PTE_U));
        ram.store64(L0 + 8, pte(PAGE, PTE_V | PTE_X | PTE_A));
        assertThat(mmu.translate(0, READ, Cpu.PRIV_U, false, false)).isEqualTo(PAGE);
        assertThat(s(0, READ)).as("U page from S without SUM").isEqualTo(PAGE_FAULT);
        assertThat(mmu.translate(0, READ, Cpu.PRIV_S, true, false)).as("with SUM").isEqualTo(PAGE);
        assertThat(mmu.translate(0, FETCH, Cpu.PRIV_S, true, false)).as("never fetch").isEqualTo(PAGE_FAULT);
        assertThat(mmu.translate(0x1000, READ, Cpu.PRIV_U, false, false)).as("S page from U").isEqualTo(PAGE_FAULT);
        assertThat(s(0x1000, READ)).as("X-only without MXR").isEqualTo(PAGE_FAULT);
        assertThat(mmu.translate(0x1000, READ, Cpu.PRIV_S, false, true)).as("MXR").isEqualTo(PAGE);
        assertThat(s(0x1000, WRITE)).isEqualTo(PAGE_FAULT);
    }

    @Test
    void reservedEncodingsFault() {
        ram.store64(L0, pte(PAGE, ALL | 1L << 54));
        ram.store64(L0 + 8, pte(PAGE, PTE_V | PTE_W | PTE_A | PTE_D));
        ram.store64(L0 + 16, pte(PAGE, PTE_V | PTE_W | PTE_X | PTE_A | PTE_D));
        ram.store64(L0 + 24, pte(PAGE, ALL | 1L << 63));
        ram.store64(ROOT + 8, pte(L1, PTE_V | PTE_A));
        ram.store64(ROOT + 16, pte(0x1000, PTE_V));
        for (long va : new long[] {0, 0x1000, 0x2000, 0x3000, 0x4000_0000L, 0x8000_0000L}) {
            assertThat(s(va, READ)).as("va 0x%x", va).isEqualTo(PAGE_FAULT);
        }
        assertThat(s(0x40_0000_0000L, READ)).as("not sign-extended from bit 38").isEqualTo(PAGE_FAULT);
        ram.store64(L0 + 8 * 4, pte(PAGE, ALL));
        ram.store64(L0 + 8 * 9, pte(L0, PTE_V));
        assertThat(s(0x9000, READ)).as("pointer at the last level").isEqualTo(PAGE_FAULT);
    }

    @Test
    void pmpThatForbidsReadingAPteIsAnAccessFault() {
        ram.store64(L0, pte(PAGE, ALL));
        pmp.writeAddr(0, (ROOT >>> 2) | 0x1ff);
        pmp.writeAddr(1, -1L);
        pmp.writeCfg(0, 0x18 | 0x1f << 8);
        assertThat(s(0, READ)).isEqualTo(ACCESS_FAULT);
    }

    @Test
    void satpModesAsQemu72AndSv48() {
        long root = mmu.satp();
        assertThat(mmu.writeSatp(1L << 60 | 5)).isFalse();
        assertThat(mmu.satp()).isEqualTo(root);
        assertThat(mmu.writeSatp(9L << 60 | ROOT >>> 12)).isTrue();
        ram.store64(ROOT + 8 * 1, pte(L1, PTE_V));
        ram.store64(L1, pte(L0, PTE_V));
        ram.store64(L0, pte(L0 + 0x1000, PTE_V));
        ram.store64(L0 + 0x1000 + 8 * 3, pte(PAGE, ALL));
        assertThat(s((1L << 39) + 0x3008, READ)).isEqualTo(PAGE + 8);
        assertThat(Mmu.validSatp(10L << 60)).isTrue();
        assertThat(Mmu.validSatp(11L << 60)).isFalse();
    }
}
