package dev.ferry.machine.cpu;

/**
 * The part of {@link CpuState} that S mode added: trap delegation, the mip bits software wrote, the supervisor
 * CSRs and address translation.
 *
 * @param medeleg exceptions delegated to S mode
 * @param mideleg interrupts delegated to S mode
 * @param mipSoftware the mip bits written by software (SSIP, STIP, the software part of SEIP, ...); the device
 *                    lines are in {@link CpuState#mipLevels()}
 * @param stvec S-mode trap vector
 * @param sscratch S-mode scratch register
 * @param sepc S-mode exception pc
 * @param scause S-mode trap cause
 * @param stval S-mode trap value
 * @param satp address translation and protection (MODE, ASID, root page number)
 * @param senvcfg S-mode environment configuration
 */
public record SupervisorState(
        long medeleg,
        long mideleg,
        long mipSoftware,
        long stvec,
        long sscratch,
        long sepc,
        long scause,
        long stval,
        long satp,
        long senvcfg) {

    @Override
    public String toString() {
        return String.format("S[medeleg=0x%x, mideleg=0x%x, mip=0x%x, stvec=0x%x, sepc=0x%x, scause=0x%x, "
                + "stval=0x%x, satp=0x%x]", medeleg, mideleg, mipSoftware, stvec, sepc, scause, stval, satp);
    }
}
