package dev.ferry.machine.cpu;

import static dev.ferry.machine.cpu.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Compiled code on pages that also hold written data (granule mode, see {@link CodePage}): such code is compiled
 * and stays compiled while only data next to it is written; a store into the bytes of a compiled block drops that
 * block's regions (and no others) and takes effect at the next instruction; fence.i drops everything. Every case
 * must end in exactly the state the interpreter reaches.
 */
class JitCoherenceTest {

    static final long BASE = JitTest.BASE;

    @AfterEach
    void noGeneratedClassWasRejected() {
        assertThat(JitCompiler.REJECTED.get()).isZero();
    }

    private static void assertJitMatchesInterpreter(Asm a, TestMachine jit) {
        TestMachine interp = JitTest.machine(false).load(a).runToExit();
        JitTest.assertSame(DeterminismTest.outcome(jit), DeterminismTest.outcome(interp));
    }

    /** The case: a loop whose page also holds the byte array it fills, right after the code. */
    @Test
    void loopSharingItsPageWithItsDataIsCompiledAndStaysCompiled() {
        Asm a = new Asm(BASE);
        a.la(S1, "buf").li(S2, 20_000).li(A0, 0).li(A1, 0);
        a.label("loop").andi(T0, S2, 255).add(T1, S1, T0).sb(S2, T1, 0).lbu(T2, T1, 0).add(A0, A0, T2)
                .sd(A0, S1, 256).addi(S2, S2, -1).bne(S2, ZERO, "loop");
        a.ld(A1, S1, 256);
        TestMachine.exit(a);
        a.align(64).label("buf");
        long buf = a.addressOf("buf");
        assertThat(buf + 264).isLessThan(BASE + 4096);
        TestMachine jit = JitTest.machine(true).load(a).runToExit();
        CodePage page = jit.cpu.codePageForTest(BASE);
        assertThat(page.granuleMode).as("data stores switched the page to granule mode").isTrue();
        assertThat(jit.cpu.jitLiveRegions(BASE)).as("compiled code left on the shared page").isPositive();
        // Compiled while the page was still watched (its first writes drop everything), then once or twice more:
        // not once per data store.
        assertThat(jit.cpu.jitCompiledCount()).isBetween(1, 12);
        assertThat(jit.reg(A1)).isEqualTo(jit.reg(A0));
        assertJitMatchesInterpreter(a, jit);
    }

    /** Compiled code on a shared page stores into its own next instruction, once, in the middle of the loop. */
    @Test
    void compiledStoreIntoItsOwnBytesOnASharedPageTakesEffectAtOnce() {
        Asm a = new Asm(BASE);
        a.la(S1, "buf").la(S3, "patch").li(T0, 2000).li(A0, 0).li(T2, Asm.i(5, A0, 0, A0, 0x13)).li(T1, 1000);
        a.label("loop").sd(T0, S1, 0).bne(T0, T1, "skip").sw(T2, S3, 0);
        a.label("patch").addi(A0, A0, 1);
        a.label("skip").addi(A0, A0, 2).addi(T0, T0, -1).bne(T0, ZERO, "loop");
        TestMachine.exit(a);
        a.align(64).label("buf").dword(0);
        TestMachine jit = JitTest.machine(true).load(a).runToExit();
        // Iteration 1000 patches "addi a0,a0,1" into "addi a0,a0,5" just before running it.
        assertThat(jit.reg(A0)).isEqualTo(2000 * 2 + 5);
        assertThat(jit.cpu.codePageForTest(BASE).granuleMode).isTrue();
        assertJitMatchesInterpreter(a, jit);
    }

    /**
     * Two compiled functions share a page with data; rewriting one instruction of f (with the same bytes) drops f's
     * region only: g keeps running the region it had before the store.
     */
    @Test
    void storeIntoOneFunctionDropsOnlyItsRegion() {
        Asm a = twoFunctions();
        TestMachine m = JitTest.machine(true).load(a);
        long fdata = a.addressOf("fdata");
        while (m.load64(fdata) != 201) {
            m.cpu.run(m.cpu.instret() + 1);
        }
        CodePage page = m.cpu.codePageForTest(a.addressOf("f"));
        assertThat(page.granuleMode).isTrue();
        CompiledRegion f = regionAt(page, a.addressOf("f"));
        CompiledRegion g = regionAt(page, a.addressOf("g"));
        assertThat(f).isNotNull();
        assertThat(g).isNotNull();
        m.runToExit();
        assertThat(f.valid).as("f's region after the store into f").isFalse();
        assertThat(g.valid).as("g's region after the store into f").isTrue();
        assertThat(regionAt(page, a.addressOf("g"))).isSameAs(g);
        assertThat(regionAt(page, a.addressOf("f"))).isNotNull().isNotSameAs(f);
        assertJitMatchesInterpreter(a, m);
    }

    private static CompiledRegion regionAt(CodePage page, long pc) {
        Block b = page.table[((int) pc & 0xfff) >>> 1];
        return b == null ? null : b.jit;
    }

    private static Asm twoFunctions() {
        Asm a = new Asm(BASE);
        a.la(S1, "f").la(S2, "fdata").li(S0, 400).li(A0, 0).li(T1, 200).lw(T2, S1, 0);
        a.label("loop").jal(RA, "f").jal(RA, "g").sd(S0, S2, 0).bne(S0, T1, "skip").sw(T2, S1, 0);
        a.label("skip").addi(S0, S0, -1).bne(S0, ZERO, "loop");
        TestMachine.exit(a);
        a.align(4096).label("f").addi(A0, A0, 1).slli(A1, A0, 1).jalr(ZERO, RA, 0);
        a.align(256).label("g").addi(A0, A0, 3).xori(A2, A0, 5).jalr(ZERO, RA, 0);
        a.align(1024).label("fdata").dword(0).dword(0);
        return a;
    }

    /** A hot loop on a shared page runs fence.i every 64 iterations and patches a function on its page once. */
    @Test
    void fenceIInAHotLoopOnASharedPageMatchesTheInterpreter() {
        Asm a = new Asm(BASE);
        a.la(S1, "f").la(S2, "buf").li(S0, 600).li(A0, 0).li(T1, 300);
        a.li(T2, Asm.i(9, A0, 0, A0, 0x13));
        a.label("loop").jal(RA, "f").sd(A0, S2, 0).bne(S0, T1, "skip").sw(T2, S1, 0);
        a.label("skip").andi(T3, S0, 63).bne(T3, ZERO, "nofence").fenceI();
        a.label("nofence").addi(S0, S0, -1).bne(S0, ZERO, "loop");
        TestMachine.exit(a);
        a.align(64).label("f").addi(A0, A0, 1).jalr(ZERO, RA, 0);
        a.align(64).label("buf").dword(0);
        TestMachine jit = JitTest.machine(true).load(a).runToExit();
        assertThat(jit.reg(A0)).isEqualTo(301 + 299 * 9);
        assertThat(jit.cpu.jitCompiledCount()).isPositive();
        assertJitMatchesInterpreter(a, jit);
    }
}
