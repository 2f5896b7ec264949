package dev.ferry.machine.cpu;

import static dev.ferry.machine.cpu.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InstructionTest {

    static final long DATA = TestMachine.RAM_BASE + 0x8000;

    static TestMachine run(Consumer<Asm> body) {
        Asm a = new Asm(TestMachine.RAM_BASE);
        body.accept(a);
        TestMachine.exit(a);
        return new TestMachine().load(a).runToExit();
    }

    @ParameterizedTest
    @CsvSource({
            "add, 5, 7, 12", "add, -1, 1, 0", "sub, 5, 7, -2", "sll, 1, 65, 2", "slt, -1, 1, 1", "slt, 1, -1, 0",
            "sltu, -1, 1, 0", "sltu, 1, -1, 1", "xor, 12, 10, 6", "srl, -1, 60, 15", "sra, -16, 2, -4",
            "or, 12, 10, 14", "and, 12, 10, 8",
            "addw, 2147483647, 1, -2147483648", "subw, -2147483648, 1, 2147483647", "sllw, 1, 31, -2147483648",
            "sllw, 1, 33, 2", "srlw, -1, 4, 268435455", "sraw, -2147483648, 4, -134217728",
            "mul, -3, 7, -21", "mulh, -1, -1, 0", "mulh, 9223372036854775807, 2, 0", "mulhsu, -1, -1, -1",
            "mulhsu, 2, -1, 1", "mulhu, -1, -1, -2", "div, -7, 2, -3", "div, 7, 0, -1",
            "div, -9223372036854775808, -1, -9223372036854775808", "divu, -1, 2, 9223372036854775807",
            "divu, 5, 0, -1", "rem, -7, 2, -1", "rem, 7, 0, 7", "rem, -9223372036854775808, -1, 0",
            "remu, -1, 10, 5", "remu, 7, 0, 7", "mulw, 65536, 65536, 0", "mulw, 3, -5, -15",
            "divw, -2147483648, -1, -2147483648", "divw, 7, 0, -1", "divw, 4294967303, 2, 3",
            "divuw, -1, 2, 2147483647", "divuw, 3, 0, -1", "remw, -7, 2, -1", "remw, -2147483648, -1, 0",
            "remw, 9, 0, 9", "remuw, -1, 10, 5", "remuw, -5, 0, -5"})
    void registerOps(String op, long x, long y, long expected) {
        TestMachine m = run(a -> a.li(A1, x).li(A2, y).op(op, A0, A1, A2));
        assertThat(m.reg(A0)).isEqualTo(expected);
    }

    @Test
    void immediateOps() {
        TestMachine m = run(a -> a.li(A1, -8)
                .addi(S2, A1, 3).slti(S3, A1, -7).sltiu(S4, A1, 5).xori(S5, A1, -1).ori(T0, A1, 3).andi(T1, A1, 0xc)
                .slli(T2, A1, 60).srli(T3, A1, 60).srai(T4, A1, 2)
                .li(A2, 0x7fff_ffffL).addiw(A3, A2, 1).slliw(A4, A2, 1).srliw(A5, A1, 28).sraiw(A6, A2, 30)
                .addi(ZERO, A1, 5));
        assertThat(m.reg(S2)).isEqualTo(-5);
        assertThat(m.reg(S3)).isEqualTo(1);
        assertThat(m.reg(S4)).isEqualTo(0);
        assertThat(m.reg(S5)).isEqualTo(7);
        assertThat(m.reg(T0)).isEqualTo(-5);
        assertThat(m.reg(T1)).isEqualTo(8);
        assertThat(m.reg(T2)).isEqualTo(-8L << 60);
        assertThat(m.reg(T3)).isEqualTo(15);
        assertThat(m.reg(T4)).isEqualTo(-2);
        assertThat(m.reg(A3)).isEqualTo(-2147483648L);
        assertThat(m.reg(A4)).isEqualTo(-2);
        assertThat(m.reg(A5)).isEqualTo(15);
        assertThat(m.reg(A6)).isEqualTo(1);
        assertThat(m.reg(ZERO)).isZero();
    }

    @Test
    void luiAuipcAndLargeConstants() {
        TestMachine m = run(a -> a.lui(A0, 0x80000).auipc(A1, 1).li(A2, 0x1234_5678_9abc_def0L).li(A3, -2));
        assertThat(m.reg(A0)).isEqualTo(0xffff_ffff_8000_0000L);
        assertThat(m.reg(A1)).isEqualTo(TestMachine.RAM_BASE + 4 + 0x1000);
        assertThat(m.reg(A2)).isEqualTo(0x1234_5678_9abc_def0L);
        assertThat(m.reg(A3)).isEqualTo(-2);
    }

    @Test
    void loadsAndStoresAllWidthsWithSignExtension() {
        TestMachine m = run(a -> a.li(S1, DATA).li(T0, 0x8182_8384_8586_8788L).sd(T0, S1, 0)
                .lb(A0, S1, 0).lbu(A1, S1, 0).lh(A2, S1, 0).lhu(A3, S1, 0).lw(A4, S1, 0).lwu(A5, S1, 0)
                .ld(A6, S1, 0)
                .li(T1, 0x11).sb(T1, S1, 8).li(T1, 0x2233).sh(T1, S1, 9).li(T1, 0x4455_6677).sw(T1, S1, 11)
                .ld(A7, S1, 8)
                .li(T1, -1).sd(T1, S1, 21).ld(S2, S1, 16).ld(S3, S1, 24));
        assertThat(m.reg(A0)).isEqualTo((long) (byte) 0x88);
        assertThat(m.reg(A1)).isEqualTo(0x88);
        assertThat(m.reg(A2)).isEqualTo((long) (short) 0x8788);
        assertThat(m.reg(A3)).isEqualTo(0x8788);
        assertThat(m.reg(A4)).isEqualTo((long) 0x8586_8788);
        assertThat(m.reg(A5)).isEqualTo(0x8586_8788L);
        assertThat(m.reg(A6)).isEqualTo(0x8182_8384_8586_8788L);
        assertThat(m.reg(A7)).isEqualTo(0x0044_5566_7722_3311L);
        assertThat(m.reg(S2)).isEqualTo(0xffff_ff00_0000_0000L);
        assertThat(m.reg(S3)).isEqualTo(0xff_ffff_ffffL);
    }

    @Test
    void misalignedAccessAcrossPageBoundaryIsPerformed() {
        long addr = TestMachine.RAM_BASE + 0x9ffd;
        TestMachine m = run(a -> a.li(S1, addr).li(T0, 0x0102_0304_0506_0708L).sd(T0, S1, 0).ld(A0, S1, 0)
                .lw(A1, S1, 1).lhu(A2, S1, 2));
        assertThat(m.reg(A0)).isEqualTo(0x0102_0304_0506_0708L);
        assertThat(m.reg(A1)).isEqualTo(0x0405_0607L);
        assertThat(m.reg(A2)).isEqualTo(0x0506L);
    }

    @Test
    void branchesTakenAndNotTaken() {
        TestMachine m = run(a -> {
            a.li(A0, 0).li(T0, -1).li(T1, 1);
            a.beq(T0, T1, "x1").ori(A0, A0, 1).label("x1");
            a.bne(T0, T1, "x2").ori(A0, A0, 2).label("x2");
            a.blt(T0, T1, "x3").ori(A0, A0, 4).label("x3");
            a.bge(T0, T1, "x4").ori(A0, A0, 8).label("x4");
            a.bltu(T0, T1, "x5").ori(A0, A0, 16).label("x5");
            a.bgeu(T0, T1, "x6").ori(A0, A0, 32).label("x6");
            a.beq(T0, T0, "x7").ori(A0, A0, 64).label("x7");
            a.bge(T1, T1, "x8").ori(A0, A0, 128).label("x8");
        });
        assertThat(m.reg(A0)).isEqualTo(1 | 8 | 16);
    }

    @Test
    void jalAndJalrWithRdEqualToRs1() {
        TestMachine m = run(a -> {
            a.jal(RA, "f");
            a.label("back");
            a.li(S2, 77);
            a.la(A1, "g");
            a.jalr(A1, A1, 1);
            a.label("after");
            a.j("end");
            a.label("f");
            a.mv(S1, RA);
            a.jalr(ZERO, RA, 0);
            a.label("g");
            a.li(S3, 5);
            a.label("end");
        });
        assertThat(m.reg(S1)).isEqualTo(TestMachine.RAM_BASE + 4);
        assertThat(m.reg(S2)).isEqualTo(77);
        assertThat(m.reg(S3)).isEqualTo(5);
        assertThat(m.reg(A1) - TestMachine.RAM_BASE).isEqualTo(20);
    }

    @Test
    void backwardLoopCountsCorrectly() {
        TestMachine m = run(a -> a.li(A0, 0).li(T0, 1000).label("loop").addi(A0, A0, 3).addi(T0, T0, -1)
                .bne(T0, ZERO, "loop"));
        assertThat(m.reg(A0)).isEqualTo(3000);
    }

    @Test
    void lrScAndAmos() {
        TestMachine m = run(a -> {
            a.li(S1, DATA).li(T0, 0x7fff_fff0L).sd(T0, S1, 0).li(T0, 10).sd(T0, S1, 8);
            a.lr(false, A0, S1).li(T1, 0x8000_0000L).sc(false, A1, S1, T1).lw(A2, S1, 0);
            a.sc(false, A3, S1, T1);
            a.lr(true, T2, S1).addi(S2, S1, 8).sc(true, A4, S2, T1);
            a.li(T1, 5).amo(0x00, true, A5, S2, T1).ld(A6, S2, 0);
            a.li(T1, -1).amo(0x00, false, A7, S1, T1);
            a.li(S3, DATA + 16).li(T1, 0xf0).sd(T1, S3, 0);
            a.li(T1, 0x3c).amo(0x01, true, S4, S3, T1).amo(0x04, true, S5, S3, T1).ld(T3, S3, 0);
            a.li(T1, 0x0f).amo(0x08, true, ZERO, S3, T1).li(T1, 0x06).amo(0x0c, true, ZERO, S3, T1).ld(T4, S3, 0);
            a.li(T1, -3).amo(0x10, true, ZERO, S3, T1).ld(T5, S3, 0);
            a.li(T1, 4).amo(0x14, true, ZERO, S3, T1).ld(GP, S3, 0);
            a.li(T1, -1).amo(0x18, false, ZERO, S3, T1).ld(TP, S3, 0);
            a.li(T1, -1).amo(0x1c, false, S0, S3, T1).ld(RA, S3, 0);
        });
        assertThat(m.reg(A0)).isEqualTo(0x7fff_fff0L);
        assertThat(m.reg(A1)).isZero();
        assertThat(m.reg(A2)).isEqualTo(-0x8000_0000L);
        assertThat(m.reg(A3)).as("sc without reservation").isEqualTo(1);
        assertThat(m.reg(A4)).as("sc to another address").isEqualTo(1);
        assertThat(m.reg(A5)).isEqualTo(10);
        assertThat(m.reg(A6)).isEqualTo(15);
        assertThat(m.reg(A7)).as("amoadd.w returns sign-extended old").isEqualTo(-0x8000_0000L);
        assertThat(m.load64(DATA) & 0xffff_ffffL).isEqualTo(0x7fff_ffffL);
        assertThat(m.reg(S4)).isEqualTo(0xf0);
        assertThat(m.reg(S5)).isEqualTo(0x3c);
        assertThat(m.reg(T3)).isZero();
        assertThat(m.reg(T4)).isEqualTo(6);
        assertThat(m.reg(T5)).isEqualTo(-3);
        assertThat(m.reg(GP)).isEqualTo(4);
        assertThat(m.reg(TP)).as("amominu.w").isEqualTo(4);
        assertThat(m.reg(S0)).isEqualTo(4);
        assertThat(m.reg(RA)).as("amomaxu.w writes 32 bits").isEqualTo(0xffff_ffffL);
    }

    @Test
    void scSucceedsWhenMemoryStillHoldsTheReservedValue() {
        TestMachine m = run(a -> a.li(S1, DATA).li(T0, 42).sd(T0, S1, 0).lr(true, A0, S1).sd(A0, S1, 0)
                .li(T1, 7).sc(true, A1, S1, T1).ld(A2, S1, 0)
                .lr(true, A3, S1).li(T2, 9).sd(T2, S1, 0).sc(true, A4, S1, T1).ld(A5, S1, 0));
        assertThat(m.reg(A1)).isZero();
        assertThat(m.reg(A2)).isEqualTo(7);
        assertThat(m.reg(A4)).isEqualTo(1);
        assertThat(m.reg(A5)).isEqualTo(9);
    }

    @Test
    void compressedInstructionsExecute() {
        TestMachine m = run(a -> {
            a.li(SP, DATA + 0x100).li(A1, 0x1111).sd(ZERO, SP, 16);
            a.half(0x0808);                 // c.addi4spn a0, sp, 16
            a.half(0xc54c);                 // c.sw a1, 12(a0)
            a.half(0x414c);                 // c.lw a1, 4(a0) (reads zero)
            a.half(0x1575);                 // c.addi a0, -3
            a.half(0x55e5);                 // c.li a1, -7
            a.half(0x7139);                 // c.addi16sp sp, -64
            a.half(0x7605);                 // c.lui a2, 0xfffe1
            a.mv(S2, A0).mv(S3, A1).mv(S4, SP).mv(S5, A2);
            a.li(A0, -64).half(0x850d);     // c.srai a0, 3
            a.mv(T3, A0);
            a.li(A0, -64).half(0x810d);     // c.srli a0, 3
            a.mv(T4, A0);
            a.li(A0, 0x7fff_ffffL).half(0x2515); // c.addiw a0, 5
            a.mv(T5, A0);
            a.li(A0, 1).half(0x157e);       // c.slli a0, 63
            a.mv(GP, A0);
            a.li(A0, 6).li(A1, 3).half(0x9d0d); // c.subw a0, a1
            a.mv(TP, A0);
            a.half(0x852e);                 // c.mv a0, a1
            a.half(0x952e);                 // c.add a0, a1
            a.mv(S0, A0);
            a.half(0xa029);                 // c.j +10
            a.li(A0, 99);                   // skipped (4 bytes)
            a.li(A0, 98);                   // skipped (4 bytes)
            a.nop();
            a.half(0x0001);                 // c.nop
            a.mv(A7, A0);
        });
        long addr = DATA + 0x100 + 16;
        assertThat(m.reg(S2)).isEqualTo(addr - 3);
        assertThat(m.reg(S3)).isEqualTo(-7);
        assertThat(m.reg(S4)).isEqualTo(DATA + 0x100 - 64);
        assertThat(m.reg(S5)).isEqualTo(0xffff_ffff_fffe_1000L);
        assertThat(m.load64(addr + 8) >>> 32).isEqualTo(0x1111);
        assertThat(m.reg(T3)).isEqualTo(-8);
        assertThat(m.reg(T4)).isEqualTo(-64L >>> 3);
        assertThat(m.reg(T5)).isEqualTo(-2147483644L);
        assertThat(m.reg(GP)).isEqualTo(Long.MIN_VALUE);
        assertThat(m.reg(TP)).isEqualTo(3);
        assertThat(m.reg(S0)).isEqualTo(6);
        assertThat(m.reg(A7)).isEqualTo(6);
    }

    @Test
    void compressedJumpsAndLinks() {
        TestMachine m = run(a -> {
            a.la(A0, "f");
            a.half(0x9502);                 // c.jalr a0  (ra = here + 2)
            a.label("ret");
            a.li(A1, 0);
            a.half(0xe119);                 // c.bnez a0, +6 (a0 = 5)
            a.li(A1, 1);                    // skipped
            a.li(A2, 0).half(0xc119);       // (placeholder c.beqz a0,+6 when a0 != 0 not taken) -> next
            a.j("end");
            a.label("f");
            a.mv(S1, RA);
            a.li(A0, 5);
            a.half(0x8082);                 // c.jr ra
            a.label("end");
        });
        assertThat(m.reg(S1)).isEqualTo(TestMachine.RAM_BASE + 8 + 2);
        assertThat(m.reg(A1)).isZero();
    }

    static long amoResult(String op, long old, long src) {
        return switch (op) {
            case "add" -> old + src;
            case "swap" -> src;
            case "xor" -> old ^ src;
            case "and" -> old & src;
            case "or" -> old | src;
            case "min" -> Math.min(old, src);
            case "max" -> Math.max(old, src);
            case "minu" -> Long.compareUnsigned(old, src) <= 0 ? old : src;
            default -> Long.compareUnsigned(old, src) >= 0 ? old : src;
        };
    }

    @ParameterizedTest
    @CsvSource({"add, 0", "swap, 1", "xor, 4", "and, 12", "or, 8", "min, 16", "max, 20", "minu, 24", "maxu, 28"})
    void everyAmoInBothWidths(String op, int f5) {
        long[][] pairs = {{0x7fff_ffff_8000_0001L, 0x0000_0001_7fff_ffffL}, {-5, 3}, {3, -5}, {0x1_0000_0000L, -1}};
        for (long[] p : pairs) {
            for (boolean dbl : new boolean[] {false, true}) {
                TestMachine m = run(a -> a.li(S1, DATA).li(T0, p[0]).sd(T0, S1, 0).li(T1, p[1])
                        .amo(f5, dbl, A0, S1, T1).ld(A1, S1, 0));
                long old = dbl ? p[0] : (int) p[0];
                long src = dbl ? p[1] : (int) p[1];
                long expectedMemory = dbl ? amoResult(op, old, src)
                        : (p[0] & 0xffff_ffff_0000_0000L) | (amoResult(op, old, src) & 0xffff_ffffL);
                assertThat(m.reg(A0)).as("%s.%s old value", op, dbl ? "d" : "w").isEqualTo(old);
                assertThat(m.reg(A1)).as("%s.%s memory", op, dbl ? "d" : "w").isEqualTo(expectedMemory);
            }
        }
    }
}
