package dev.ferry.machine.cpu;

import static dev.ferry.machine.cpu.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CodeCacheTest {

    static final long BASE = TestMachine.RAM_BASE;

    @Test
    void storeIntoTheRunningBlockIsSeenByTheNextInstruction() {
        Asm a = new Asm(BASE);
        a.la(T1, "patched").li(T2, Asm.i(42, ZERO, 0, A0, 0x13));
        a.sw(T2, T1, 0);
        a.label("patched").addi(A0, ZERO, 1);
        TestMachine.exit(a);
        TestMachine m = new TestMachine().load(a).runToExit();
        assertThat(m.reg(A0)).isEqualTo(42);
    }

    @Test
    void fenceIAfterPatchingACachedFunction() {
        Asm a = new Asm(BASE);
        a.jal(RA, "f").mv(S2, A0);
        a.la(T1, "f").li(T2, Asm.i(7, ZERO, 0, A0, 0x13)).sw(T2, T1, 0).fenceI();
        a.jal(RA, "f").mv(S3, A0);
        TestMachine.exit(a);
        a.label("f").addi(A0, ZERO, 3).jalr(ZERO, RA, 0);
        TestMachine m = new TestMachine().load(a).runToExit();
        assertThat(m.reg(S2)).isEqualTo(3);
        assertThat(m.reg(S3)).isEqualTo(7);
    }

    @Test
    void hostWriteInvalidatesDecodedCode() {
        Asm a = new Asm(BASE);
        a.addi(A0, A0, 1).label("spin").j("spin");
        TestMachine m = new TestMachine().load(a);
        m.cpu.run(1000);
        assertThat(m.reg(A0)).isEqualTo(1);
        byte[] addi5 = new byte[4];
        int inst = Asm.i(5, A0, 0, A0, 0x13);
        for (int i = 0; i < 4; i++) {
            addi5[i] = (byte) (inst >>> (8 * i));
        }
        m.ram.writeBytes(BASE, addi5, 0, 4);
        m.cpu.setPc(BASE);
        m.cpu.run(2000);
        assertThat(m.reg(A0)).isEqualTo(6);
    }

    @Test
    void instructionCrossingAPageBoundaryExecutesAndIsInvalidatedWithTheSecondPage() {
        long start = BASE + 0x1000 - 8;
        Asm a = new Asm(start);
        a.half(0x0001).addi(A0, ZERO, 1).addi(A1, A0, 0x123); // the second addi straddles 0x...1000
        TestMachine.exit(a);
        TestMachine m = new TestMachine();
        byte[] code = a.assemble();
        m.ram.writeBytes(start, code, 0, code.length);
        m.cpu.reset(start);
        m.runToExit();
        assertThat(m.reg(A1)).isEqualTo(0x124);

        // Rewrite only the upper half (on the second page): the immediate changes to 0x7ff.
        int patched = Asm.i(0x7ff, A0, 0, A1, 0x13);
        byte[] hi = {(byte) (patched >>> 16), (byte) (patched >>> 24)};
        m.ram.writeBytes(BASE + 0x1000, hi, 0, 2);
        m.cpu.reset(start);
        m.runToExit();
        assertThat(m.reg(A1)).isEqualTo(0x800);
    }

    @Test
    void loopThatWritesItsOwnPageStillRunsCorrectly() {
        Asm a = new Asm(BASE);
        a.la(S1, "data").li(T0, 300);
        a.label("loop").sd(T0, S1, 0).ld(A1, S1, 0).add(A0, A0, A1).addi(T0, T0, -1).bne(T0, ZERO, "loop");
        TestMachine.exit(a);
        a.align(8).label("data").dword(0);
        TestMachine m = new TestMachine().load(a).runToExit();
        assertThat(m.reg(A0)).isEqualTo(300 * 301 / 2);
    }

    @Test
    void pageWithHotDataSwitchesToGranuleModeAndStaysCoherent() {
        Asm a = new Asm(BASE);
        a.jal(RA, "f").mv(S2, A1);
        a.la(S1, "data").li(T0, 100);
        a.label("loop").sd(T0, S1, 0).addi(T0, T0, -1).bne(T0, ZERO, "loop");
        a.la(T1, "patched").li(T2, Asm.i(42, ZERO, 0, A0, 0x13)).sw(T2, T1, 0);
        a.label("patched").addi(A0, ZERO, 1);
        a.la(T1, "f").li(T2, Asm.i(9, ZERO, 0, A1, 0x13)).sw(T2, T1, 0);
        a.jal(RA, "f").mv(S3, A1);
        TestMachine.exit(a);
        a.label("f").addi(A1, ZERO, 3).jalr(ZERO, RA, 0);
        a.align(8).label("data").dword(0);
        TestMachine m = new TestMachine().load(a).runToExit();
        assertThat(m.reg(S2)).isEqualTo(3);
        assertThat(m.reg(A0)).as("store into the running block, page in granule mode").isEqualTo(42);
        assertThat(m.reg(S3)).as("store into another cached block").isEqualTo(9);
    }

    @Test
    void granuleModeCatchesAStoreSpillingFromThePreviousPageIntoCode() {
        long g = BASE + 0x2000;
        Asm a = new Asm(BASE);
        a.li(S1, g).jalr(RA, S1, 0).mv(S2, A0);
        a.li(S3, g + 0x100).li(T0, 20).label("hot").sd(T0, S3, 0).jalr(RA, S1, 0).addi(T0, T0, -1)
                .bne(T0, ZERO, "hot");
        a.jalr(RA, S1, 0).mv(S4, A0);
        long patched = ((long) Asm.i(7, ZERO, 0, A0, 0x13) << 32) | 0x1234_5678L;
        a.li(T1, patched).li(T2, g - 4).sd(T1, T2, 0);
        a.jalr(RA, S1, 0).mv(S5, A0);
        TestMachine.exit(a);
        Asm f = new Asm(g);
        f.addi(A0, ZERO, 1).jalr(ZERO, RA, 0);
        TestMachine m = new TestMachine().load(a);
        byte[] fb = f.assemble();
        m.ram.writeBytes(g, fb, 0, fb.length);
        m.runToExit();
        assertThat(m.reg(S2)).isEqualTo(1);
        assertThat(m.reg(S4)).isEqualTo(1);
        assertThat(m.reg(S5)).isEqualTo(7);
    }
}
