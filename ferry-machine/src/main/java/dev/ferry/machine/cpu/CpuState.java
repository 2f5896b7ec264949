package dev.ferry.machine.cpu;

import java.util.Arrays;
import java.util.Objects;

/**
 * Everything guest-visible about the hart, for save/restore and migration. Counters are stored as the values
 * the guest reads ({@code mcycle}, {@code minstret}); {@code instret} is the machine's tick count, which in
 * deterministic mode is also {@code mtime}. {@code mipLevels} holds the device-driven interrupt lines (MSIP,
 * MTIP, MEIP) at the time of saving so that a restore is exact even before devices re-drive them.
 *
 * @param pc the address of the next instruction
 * @param x the 32 integer registers ({@code x[0]} is always zero)
 * @param privilege 0 (U), 1 (S) or 3 (M)
 * @param misa read-only; checked on restore
 * @param pmpcfg the 16 pmpcfg bytes
 * @param pmpaddr the 16 pmpaddr registers
 * @param mcycle the value the guest reads from mcycle
 * @param minstret the value the guest reads from minstret
 * @param mcountinhibit which counters are stopped (bit 0 mcycle, bit 2 minstret)
 * @param instret the tick count: retired instructions, plus ticks WFI skipped in deterministic mode
 * @param wfiSleeping true while the hart waits in WFI for an interrupt
 * @param reservationValid whether an LR reservation is held
 * @param reservationAddress the reserved address
 * @param reservationValue the value LR loaded (SC compares it, as QEMU does)
 * @param supervisor delegation, the software-written mip bits, the S-mode CSRs and satp
 * @param fp the F/D registers and fcsr
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
        long scounteren,
        long menvcfg,
        byte[] pmpcfg,
        long[] pmpaddr,
        long mcycle,
        long minstret,
        long mcountinhibit,
        long instret,
        boolean wfiSleeping,
        boolean reservationValid,
        long reservationAddress,
        long reservationValue,
        SupervisorState supervisor,
        FpState fp) {

    /** Value equality, comparing the arrays by content. */
    @Override
    public boolean equals(Object o) {
        return o instanceof CpuState s && pc == s.pc && Arrays.equals(x, s.x) && privilege == s.privilege
                && misa == s.misa && mstatus == s.mstatus && mie == s.mie && mipLevels == s.mipLevels
                && mtvec == s.mtvec && mscratch == s.mscratch && mepc == s.mepc && mcause == s.mcause
                && mtval == s.mtval && mcounteren == s.mcounteren && scounteren == s.scounteren
                && menvcfg == s.menvcfg
                && Arrays.equals(pmpcfg, s.pmpcfg) && Arrays.equals(pmpaddr, s.pmpaddr) && mcycle == s.mcycle
                && minstret == s.minstret && mcountinhibit == s.mcountinhibit && instret == s.instret && wfiSleeping == s.wfiSleeping
                && reservationValid == s.reservationValid && reservationAddress == s.reservationAddress
                && reservationValue == s.reservationValue && Objects.equals(supervisor, s.supervisor)
                && Objects.equals(fp, s.fp);
    }

    @Override
    public int hashCode() {
        return Objects.hash(pc, Arrays.hashCode(x), privilege, mstatus, mie, mipLevels, mtvec, mscratch, mepc,
                mcause, mtval, mcounteren, scounteren, menvcfg, Arrays.hashCode(pmpcfg), Arrays.hashCode(pmpaddr), mcycle,
                minstret, mcountinhibit, instret, wfiSleeping, reservationValid, reservationAddress, reservationValue,
                supervisor, fp);
    }

    @Override
    public String toString() {
        return String.format("CpuState[pc=0x%x, priv=%d, instret=%d, x=%s, mstatus=0x%x, mie=0x%x, mip=0x%x, "
                        + "mtvec=0x%x, mepc=0x%x, mcause=0x%x, mtval=0x%x, wfi=%b, %s]", pc, privilege, instret,
                Arrays.toString(x), mstatus, mie, mipLevels, mtvec, mepc, mcause, mtval, wfiSleeping, supervisor);
    }
}
