package dev.ferry.machine.board;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The contents of the boot ROM as QEMU 7.2's {@code virt} board writes them for an rv64 hart: six instructions
 * that load {@code a0} = {@code mhartid}, {@code a1} = the device tree's address and {@code a2} = the address of
 * the {@code fw_dynamic} information block and jump to the start address; the two addresses as data; then the
 * information block itself, which tells OpenSBI where the next stage (the kernel) starts and in which mode.
 * Checked on this machine against {@code qemu-system-riscv64 -M virt} with the monitor's {@code xp /24xw 0x1000}.
 */
public final class ResetVector {

    /** Offset of the {@code fw_dynamic} information block in the ROM (right after the ten reset-vector words). */
    public static final int INFO_OFFSET = 40;
    /** Bytes of the ROM that hold anything: reset vector and information block. */
    public static final int SIZE = INFO_OFFSET + 6 * 8;
    /** {@code fw_dynamic} information magic: {@code "OSBI"}. */
    public static final long INFO_MAGIC = 0x4942534fL;
    /** {@code fw_dynamic} information version QEMU 7.2 writes (the one with {@code boot_hart}). */
    public static final long INFO_VERSION = 2;
    /** {@code next_mode} for supervisor mode. */
    public static final long NEXT_MODE_S = 1;

    /** {@code auipc t0, 0}. */
    static final int AUIPC_T0 = 0x00000297;
    /** {@code addi a2, t0, 40}: the information block. */
    static final int ADDI_A2_T0_INFO = 0x02828613;
    /** {@code csrr a0, mhartid}. */
    static final int CSRR_A0_MHARTID = 0xf1402573;
    /** {@code ld a1, 32(t0)}: the device tree's address. */
    static final int LD_A1_FDT = 0x0202b583;
    /** {@code ld t0, 24(t0)}: the start address. */
    static final int LD_T0_START = 0x0182b283;
    /** {@code jr t0}. */
    static final int JR_T0 = 0x00028067;

    private ResetVector() {
    }

    /**
     * The ROM bytes.
     *
     * @param startAddress where the hart goes from the ROM: the firmware, or with {@code -bios none} the start of RAM
     * @param fdtAddress   the device tree's guest-physical address
     * @param nextAddress  where the firmware hands over in S mode: the kernel's entry (0 without a kernel)
     */
    public static byte[] build(long startAddress, long fdtAddress, long nextAddress) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(AUIPC_T0).putInt(ADDI_A2_T0_INFO).putInt(CSRR_A0_MHARTID).putInt(LD_A1_FDT).putInt(LD_T0_START)
                .putInt(JR_T0).putLong(startAddress).putLong(fdtAddress);
        b.putLong(INFO_MAGIC).putLong(INFO_VERSION).putLong(nextAddress).putLong(NEXT_MODE_S)
                .putLong(0).putLong(0);
        return b.array();
    }
}
