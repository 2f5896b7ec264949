package dev.ferry.machine.cpu;

/**
 * The part of {@link CpuState} that S mode added: trap delegation, the mip bits software wrote, the supervisor
 * CSRs and address translation (with the TLB's contents), and the programmable counters' registers.
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
 * @param hpmCounters mhpmcounter3..18 (16 values)
 * @param hpmEvents mhpmevent3..31 (29 values)
 * @param tlbTags the software TLB's tags (read, write and fetch entries), which decide when the hart walks the
 *                page tables again and so sets A/D bits
 * @param tlbFrames the physical page of each TLB entry
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
        long senvcfg,
        long[] hpmCounters,
        long[] hpmEvents,
        long[] tlbTags,
        long[] tlbFrames) {

    /** Value equality, comparing the arrays by content. */
    @Override
    public boolean equals(Object o) {
        return o instanceof SupervisorState s && medeleg == s.medeleg && mideleg == s.mideleg
                && mipSoftware == s.mipSoftware && stvec == s.stvec && sscratch == s.sscratch && sepc == s.sepc
                && scause == s.scause && stval == s.stval && satp == s.satp && senvcfg == s.senvcfg
                && java.util.Arrays.equals(hpmCounters, s.hpmCounters) && java.util.Arrays.equals(hpmEvents, s.hpmEvents)
                && java.util.Arrays.equals(tlbTags, s.tlbTags) && java.util.Arrays.equals(tlbFrames, s.tlbFrames);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(medeleg, mideleg, mipSoftware, stvec, sscratch, sepc, scause, stval, satp,
                senvcfg, java.util.Arrays.hashCode(hpmCounters), java.util.Arrays.hashCode(hpmEvents),
                java.util.Arrays.hashCode(tlbTags), java.util.Arrays.hashCode(tlbFrames));
    }

    @Override
    public String toString() {
        return String.format("S[medeleg=0x%x, mideleg=0x%x, mip=0x%x, stvec=0x%x, sepc=0x%x, scause=0x%x, "
                + "stval=0x%x, satp=0x%x]", medeleg, mideleg, mipSoftware, stvec, sepc, scause, stval, satp);
    }
}
