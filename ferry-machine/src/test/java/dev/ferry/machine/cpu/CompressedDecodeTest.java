package dev.ferry.machine.cpu;

import static dev.ferry.machine.cpu.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.memory.GuestMemory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every compressed instruction decodes exactly like its 32-bit expansion. The halfwords come from GNU as
 * ({@code riscv64-unknown-elf-as -march=rv64imac}); the expansions are encoded by {@link Asm}.
 */
class CompressedDecodeTest {

    static final long PC = TestMachine.RAM_BASE + 0x100;

    static Block decode(byte[] code) {
        GuestMemory ram = new GuestMemory(TestMachine.RAM_BASE, 0x10000);
        ram.writeBytes(PC, code, 0, code.length);
        return new Decoder(ram).decode(PC);
    }

    static int expansion(String name) {
        return switch (name) {
            case "c.addi4spn a0,sp,16" -> i(16, SP, 0, A0, 0x13);
            case "c.lw a1,4(a0)" -> i(4, A0, 2, A1, 0x03);
            case "c.ld a2,8(a0)" -> i(8, A0, 3, A2, 0x03);
            case "c.sw a1,12(a0)" -> s(12, A1, A0, 2, 0x23);
            case "c.sd a2,16(a0)" -> s(16, A2, A0, 3, 0x23);
            case "c.nop" -> i(0, ZERO, 0, ZERO, 0x13);
            case "c.addi a0,-3" -> i(-3, A0, 0, A0, 0x13);
            case "c.addiw a0,5" -> i(5, A0, 0, A0, 0x1b);
            case "c.li a1,-7" -> i(-7, ZERO, 0, A1, 0x13);
            case "c.addi16sp -64" -> i(-64, SP, 0, SP, 0x13);
            case "c.lui a2,0xfffe1" -> 0xfffe1 << 12 | A2 << 7 | 0x37;
            case "c.lui a2,1" -> 1 << 12 | A2 << 7 | 0x37;
            case "c.srli a0,3" -> i(3, A0, 5, A0, 0x13);
            case "c.srai a0,3" -> i(0x400 | 3, A0, 5, A0, 0x13);
            case "c.andi a0,-2" -> i(-2, A0, 7, A0, 0x13);
            case "c.sub a0,a1" -> r(0x20, A1, A0, 0, A0, 0x33);
            case "c.xor a0,a1" -> r(0, A1, A0, 4, A0, 0x33);
            case "c.or a0,a1" -> r(0, A1, A0, 6, A0, 0x33);
            case "c.and a0,a1" -> r(0, A1, A0, 7, A0, 0x33);
            case "c.subw a0,a1" -> r(0x20, A1, A0, 0, A0, 0x3b);
            case "c.addw a0,a1" -> r(0, A1, A0, 0, A0, 0x3b);
            case "c.j +10" -> 10 << 20 | 0x6f;
            case "c.beqz a0,-4" -> 0xfe05_0ee3;
            case "c.bnez a0,+6" -> 0x0005_1363;
            case "c.slli a0,63" -> i(63, A0, 1, A0, 0x13);
            case "c.lwsp a3,12(sp)" -> i(12, SP, 2, A3, 0x03);
            case "c.ldsp a4,24(sp)" -> i(24, SP, 3, A4, 0x03);
            case "c.jr ra" -> i(0, RA, 0, ZERO, 0x67);
            case "c.mv a0,a1" -> r(0, A1, ZERO, 0, A0, 0x33);
            case "c.ebreak" -> 0x0010_0073;
            case "c.jalr a0" -> i(0, A0, 0, RA, 0x67);
            case "c.add a0,a1" -> r(0, A1, A0, 0, A0, 0x33);
            case "c.swsp a3,8(sp)" -> s(8, A3, SP, 2, 0x23);
            case "c.sdsp a4,16(sp)" -> s(16, A4, SP, 3, 0x23);
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = ';', value = {
            "0808; c.addi4spn a0,sp,16", "414c; c.lw a1,4(a0)", "6510; c.ld a2,8(a0)", "c54c; c.sw a1,12(a0)",
            "e910; c.sd a2,16(a0)", "0001; c.nop", "1575; c.addi a0,-3", "2515; c.addiw a0,5", "55e5; c.li a1,-7",
            "7139; c.addi16sp -64", "7605; c.lui a2,0xfffe1", "6605; c.lui a2,1", "810d; c.srli a0,3",
            "850d; c.srai a0,3", "9979; c.andi a0,-2", "8d0d; c.sub a0,a1", "8d2d; c.xor a0,a1", "8d4d; c.or a0,a1",
            "8d6d; c.and a0,a1", "9d0d; c.subw a0,a1", "9d2d; c.addw a0,a1", "a029; c.j +10",
            "dd75; c.beqz a0,-4", "e119; c.bnez a0,+6", "157e; c.slli a0,63", "46b2; c.lwsp a3,12(sp)",
            "6762; c.ldsp a4,24(sp)", "8082; c.jr ra", "852e; c.mv a0,a1", "9002; c.ebreak", "9502; c.jalr a0",
            "952e; c.add a0,a1", "c436; c.swsp a3,8(sp)", "e83a; c.sdsp a4,16(sp)"})
    void decodesLikeItsExpansion(String hex, String name) {
        int h = Integer.parseInt(hex, 16);
        Block c = decode(new byte[] {(byte) h, (byte) (h >>> 8)});
        int w = expansion(name);
        Block full = decode(new byte[] {(byte) w, (byte) (w >>> 8), (byte) (w >>> 16), (byte) (w >>> 24)});
        assertThat(c.ops[0]).isEqualTo(full.ops[0]);
        assertThat(c.imm[0]).isEqualTo(full.imm[0]);
        assertThat(c.ops[0] & 0xff).isNotEqualTo(Op.ILLEGAL);
        assertThat(c.offs[1]).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(ints = {0x0000, 0x8000, 0x6001, 0x6101, 0x4002, 0x8002, 0x9c41, 0x2001})
    void reservedAndUnimplementedEncodingsAreIllegalWithSixteenBitValue(int h) {
        Block c = decode(new byte[] {(byte) h, (byte) (h >>> 8)});
        assertThat(c.ops[0] & 0xff).isEqualTo(Op.ILLEGAL);
        assertThat(c.imm[0]).isEqualTo(h);
    }

    @ParameterizedTest
    @ValueSource(ints = {0xfe00_0053, 0x0000_7007, 0x0400_0043, 0x5810_1053, 0x0400_1013, 0x4000_1013, 0x0200_101b, 0x0000_2063,
            0x1010_202f, 0x0000_4073, 0x1020_0073, 0x1200_0073, 0x0000_200f, 0x0000_7003, 0x4000_1033,
            0x0000_1067})
    void unknownThirtyTwoBitEncodingsAreIllegal(int w) {
        Block c = decode(new byte[] {(byte) w, (byte) (w >>> 8), (byte) (w >>> 16), (byte) (w >>> 24)});
        int op = c.ops[0] & 0xff;
        if (op == Op.SYSTEM) {
            // sret / sfence.vma decode as system instructions and trap as illegal when executed
            assertThat(w & 0x7f).isEqualTo(0x73);
        } else {
            assertThat(op).isEqualTo(Op.ILLEGAL);
            assertThat(c.imm[0]).isEqualTo(w & 0xffff_ffffL);
        }
    }
}
