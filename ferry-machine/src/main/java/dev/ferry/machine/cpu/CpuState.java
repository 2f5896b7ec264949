package dev.ferry.machine.cpu;

/**
 * Everything guest-visible about the hart, for save/restore and migration. Counters are stored as the values
 * the guest reads ({@code mcycle}, {@code minstret}); {@code instret} is the machine's tick count, which in
 * deterministic mode is also {@code mtime}. {@code mipLevels} holds the device-driven interrupt lines (MSIP,
 * MTIP, MEIP) at the time of saving so that a restore is exact even before devices re-drive them.
 *
 * @param pc the address of the next instruction
 * @param x the 32 integer registers ({@code x[0]} is always zero)
 * @param privilege 0 (U) or 3 (M)
 * @param misa read-only; checked on restore
 * @param pmpcfg the 16 pmpcfg bytes
 * @param pmpaddr the 16 pmpaddr registers
 * @param wfiSleeping true while the hart waits in WFI for an interrupt
 * @param reservationValid whether an LR reservation is held
 * @param reservationAddress the reserved address
 * @param reservationValue the value LR loaded (SC compares it, as QEMU does)
 */
public record CpuState(
        long pc,
        long[] x,
        int privilege,
        long misa,
        long mstatus,
        long mie,
        int mipLevels,
        long mtvec,
        long mscratch,
        long mepc,
        long mcause,
        long mtval,
        long mcounteren,
        long menvcfg,
        byte[] pmpcfg,
        long[] pmpaddr,
        long mcycle,
        long minstret,
        long instret,
        boolean wfiSleeping,
        boolean reservationValid,
        long reservationAddress,
        long reservationValue) {
}
