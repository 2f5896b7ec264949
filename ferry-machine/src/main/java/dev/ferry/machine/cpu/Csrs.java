package dev.ferry.machine.cpu;

/**
 * The hart's privileged state: the privilege level, the M and S control and status registers, trap entry with
 * delegation, {@code mret}/{@code sret}, and the choice of the interrupt to take. Write masks, read views and
 * quirks are QEMU 7.2's for {@code -cpu rv64,h=false,sstc=false} as checked on it: {@code medeleg} keeps bits
 * 0-13, 15 and 20-23, {@code mideleg} and the software-writable {@code mip} bits are 0x2666, {@code mie} 0x2eee;
 * {@code mstatus.MPP} stores any value written, UXL changes only when a write has a nonzero UXL field, VS
 * (bits 9-10) and the MPV/GVA bits are writable, SD shows FS or VS dirty; among pending enabled interrupts the
 * lowest-numbered is taken first (M-level ones before S-level ones).
 *
 * <p>{@code satp} lives in the {@link Mmu}; the CPU is told about every change that affects translation or its
 * fast paths through {@link Cpu#privilegedStateChanged(boolean)}.
 */
final class Csrs {

    static final long MSTATUS_SIE = 1L << 1;
    static final long MSTATUS_MIE = 1L << 3;
    static final long MSTATUS_SPIE = 1L << 5;
    static final long MSTATUS_MPIE = 1L << 7;
    static final long MSTATUS_SPP = 1L << 8;
    static final long MSTATUS_VS = 3L << 9;
    static final long MSTATUS_MPP = 3L << 11;
    static final long MSTATUS_FS = 3L << 13;
    static final long MSTATUS_MPRV = 1L << 17;
    static final long MSTATUS_SUM = 1L << 18;
    static final long MSTATUS_MXR = 1L << 19;
    static final long MSTATUS_TVM = 1L << 20;
    static final long MSTATUS_TW = 1L << 21;
    static final long MSTATUS_TSR = 1L << 22;
    static final long MSTATUS_UXL = 3L << 32;
    static final long MSTATUS_SXL = 3L << 34;
    static final long MSTATUS_GVA = 1L << 38;
    static final long MSTATUS_MPV = 1L << 39;
    static final long MSTATUS_SD = 1L << 63;
    /** mstatus after reset: UXL = SXL = 2 (64-bit). */
    static final long MSTATUS_RESET = 2L << 32 | 2L << 34;

    /** FS is writable only when the CPU has F ({@link Cpu#MISA}); the FPU gives it meaning. */
    static final long MSTATUS_WRITABLE = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_SPP
            | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MPP | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TSR | MSTATUS_TW
            | MSTATUS_VS | MSTATUS_MPV | MSTATUS_GVA | ((Cpu.MISA & 1 << 5) != 0 ? MSTATUS_FS : 0);
    static final long SSTATUS_WRITABLE = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_VS | MSTATUS_SUM
            | MSTATUS_MXR | (MSTATUS_WRITABLE & MSTATUS_FS);
    static final long SSTATUS_VISIBLE = SSTATUS_WRITABLE | MSTATUS_FS | MSTATUS_UXL | MSTATUS_SD;

    /** mstatus fields whose change by a CSR write flushes QEMU's TLB (and so ours, see {@link Mmu}). */
    static final long TLB_FLUSHING = MSTATUS_MXR | MSTATUS_MPP | MSTATUS_MPV | MSTATUS_MPRV | MSTATUS_SUM;

    static final long MEDELEG_WRITABLE = 0xf0bfffL;
    /** SSIP, VSSIP, STIP, VSTIP, SEIP, VSEIP, LCOFIP: delegable, and the bits of mip that software writes. */
    static final long MIDELEG_WRITABLE = 0x2666L;
    static final long MIE_WRITABLE = 0x2eeeL;
    /** The S-level interrupts: SSI, STI, SEI, LCOFI. */
    static final long S_INTERRUPTS = 0x2222L;
    static final long SIP_WRITABLE = 0x2002L;
    static final long MENVCFG_WRITABLE = 0xc000_0000_0000_00f1L;
    static final long SENVCFG_WRITABLE = 0xf1L;

    private final Cpu cpu;
    private final Pmp pmp;
    private final Mmu mmu;

    int priv;
    long mstatus;
    long mie;
    long medeleg;
    long mideleg;
    /** The mip bits software wrote (SSIP, STIP, the software part of SEIP, ...); devices drive the others. */
    long mipSoft;
    long mtvec;
    long mscratch;
    long mepc;
    long mcause;
    long mtval;
    long stvec;
    long sscratch;
    long sepc;
    long scause;
    long stval;
    long mcounteren;
    long scounteren;
    long menvcfg;
    long senvcfg;
    /** mcycle/minstret minus the tick count; while mcountinhibit stops a counter, its frozen value. */
    long cycleOffset;
    long instretOffset;
    long countInhibit;
    /**
     * mhpmcounter3..18 and mhpmevent3..31: QEMU 7.2 keeps what is written (OpenSBI counts the counters that way)
     * and, with no event programmed to count, the counters stand still.
     */
    final long[] hpmCounters = new long[16];
    final long[] hpmEvents = new long[29];

    Csrs(Cpu cpu, Pmp pmp, Mmu mmu) {
        this.cpu = cpu;
        this.pmp = pmp;
        this.mmu = mmu;
    }

    void reset() {
        priv = Cpu.PRIV_M;
        mstatus = MSTATUS_RESET;
        mie = 0;
        medeleg = 0;
        mideleg = 0;
        mipSoft = 0;
        mtvec = 0;
        mscratch = 0;
        mepc = 0;
        mcause = 0;
        mtval = 0;
        stvec = 0;
        sscratch = 0;
        sepc = 0;
        scause = 0;
        stval = 0;
        mcounteren = 0;
        scounteren = 0;
        menvcfg = 0;
        senvcfg = 0;
        cycleOffset = 0;
        instretOffset = 0;
        countInhibit = 0;
        java.util.Arrays.fill(hpmCounters, 0);
        java.util.Arrays.fill(hpmEvents, 0);
    }

    /** The privilege that loads and stores use: MPP while MPRV is set in M mode. */
    int dataPriv() {
        return priv == Cpu.PRIV_M && (mstatus & MSTATUS_MPRV) != 0 ? (int) ((mstatus >>> 11) & 3) : priv;
    }

    /** mstatus with SD recomputed from FS and VS. */
    static long withSd(long s) {
        boolean dirty = (s & MSTATUS_FS) == MSTATUS_FS || (s & MSTATUS_VS) == MSTATUS_VS;
        return dirty ? s | MSTATUS_SD : s & ~MSTATUS_SD;
    }

    /** Applies a write of {@code v} to the bits {@code mask} of mstatus (UXL only when v's field is nonzero). */
    void writeStatus(long v, long mask) {
        long m = mask;
        if ((v & MSTATUS_UXL) != 0) {
            m |= MSTATUS_UXL;
        }
        long old = mstatus;
        mstatus = withSd((mstatus & ~m) | (v & m));
        if (((old ^ mstatus) & TLB_FLUSHING) != 0) {
            mmu.flush();
        }
    }

    // ---------------------------------------------------------------- traps

    /**
     * Enters the trap handler for {@code cause} (bit 63 set for interrupts) taken at {@code pc}: in S mode when
     * the hart is in S or U and the cause is delegated, else in M mode.
     *
     * @return the handler's address
     */
    long trap(long cause, long tval, long pc) {
        boolean async = cause < 0;
        int code = (int) (cause & 63);
        long deleg = async ? mideleg : medeleg;
        if (priv <= Cpu.PRIV_S && (deleg >>> code & 1) != 0) {
            long s = mstatus & ~(MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SIE);
            if ((mstatus & MSTATUS_SIE) != 0) {
                s |= MSTATUS_SPIE;
            }
            if (priv == Cpu.PRIV_S) {
                s |= MSTATUS_SPP;
            }
            mstatus = s;
            scause = cause;
            sepc = pc;
            stval = tval;
            priv = Cpu.PRIV_S;
            long vector = stvec & ~3L;
            return async && (stvec & 3) == 1 ? vector + 4L * code : vector;
        }
        long s = mstatus & ~(MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MIE);
        if ((mstatus & MSTATUS_MIE) != 0) {
            s |= MSTATUS_MPIE;
        }
        mstatus = s | (long) priv << 11;
        mcause = cause;
        mepc = pc;
        mtval = tval;
        priv = Cpu.PRIV_M;
        long vector = mtvec & ~3L;
        return async && (mtvec & 1) != 0 ? vector + 4L * code : vector;
    }

    /** mret's state change (the caller checked that it is legal); returns the target pc. */
    long mret() {
        int mpp = (int) ((mstatus >>> 11) & 3);
        long s = mstatus & ~(MSTATUS_MIE | MSTATUS_MPP);
        if ((mstatus & MSTATUS_MPIE) != 0) {
            s |= MSTATUS_MIE;
        }
        s |= MSTATUS_MPIE;
        if (mpp != Cpu.PRIV_M) {
            s &= ~MSTATUS_MPRV;
        }
        mstatus = s;
        priv = mpp == 2 ? Cpu.PRIV_S : mpp;
        return mepc & ~1L;
    }

    /** sret's state change (the caller checked that it is legal); returns the target pc. */
    long sret() {
        int spp = (mstatus & MSTATUS_SPP) != 0 ? Cpu.PRIV_S : Cpu.PRIV_U;
        long s = mstatus & ~(MSTATUS_SIE | MSTATUS_SPP | MSTATUS_MPRV);
        if ((mstatus & MSTATUS_SPIE) != 0) {
            s |= MSTATUS_SIE;
        }
        mstatus = s | MSTATUS_SPIE;
        priv = spp;
        return sepc & ~1L;
    }

    /**
     * The interrupt to take now given the pending bits {@code mip}, as a cause value with bit 63 set, or 0 when
     * none is both pending and enabled at the current privilege.
     */
    long interruptToTake(long mip) {
        long pending = mip & mie;
        if (pending == 0) {
            return 0;
        }
        boolean mEnabled = priv < Cpu.PRIV_M || (mstatus & MSTATUS_MIE) != 0;
        long irqs = mEnabled ? pending & ~mideleg : 0;
        if (irqs == 0) {
            boolean sEnabled = priv < Cpu.PRIV_S || (priv == Cpu.PRIV_S && (mstatus & MSTATUS_SIE) != 0);
            irqs = sEnabled ? pending & mideleg : 0;
        }
        return irqs == 0 ? 0 : Cpu.INTERRUPT | Long.numberOfTrailingZeros(irqs);
    }

    // ---------------------------------------------------------------- CSR access

    /** Thrown by {@link #read} and {@link #write} for an access that raises an illegal-instruction exception. */
    static final class IllegalAccess extends RuntimeException {
        static final IllegalAccess INSTANCE = new IllegalAccess();

        private IllegalAccess() {
            super(null, null, false, false);
        }
    }

    long cycles() {
        return (countInhibit & 1) != 0 ? cycleOffset : cpu.instret() + cycleOffset;
    }

    long retired() {
        return (countInhibit & 4) != 0 ? instretOffset : cpu.instret() + instretOffset;
    }

    /**
     * Zicntr/Zihpm gating as in QEMU 7.2: S mode needs the counter's bit in mcounteren, U mode in both
     * mcounteren and scounteren.
     */
    private void counterGate(int index) {
        if (priv == Cpu.PRIV_M) {
            return;
        }
        long enable = priv == Cpu.PRIV_S ? mcounteren : mcounteren & scounteren;
        if ((enable >>> index & 1) == 0) {
            throw IllegalAccess.INSTANCE;
        }
    }

    /** Checks that the current privilege may access {@code csr} at all (and write it when {@code writes}). */
    void checkAccess(int csr, boolean writes) {
        if (((csr >>> 8) & 3) > priv || (writes && (csr >>> 10) == 3)) {
            throw IllegalAccess.INSTANCE;
        }
        if (csr == Csr.SATP && priv == Cpu.PRIV_S && (mstatus & MSTATUS_TVM) != 0) {
            throw IllegalAccess.INSTANCE;
        }
    }

    long read(int csr) {
        switch (csr) {
            case Csr.CYCLE:
                counterGate(0);
                return cycles();
            case Csr.TIME:
                counterGate(1);
                return cpu.clock().mtime();
            case Csr.INSTRET:
                counterGate(2);
                return retired();
            case Csr.MVENDORID, Csr.MARCHID, Csr.MIMPID, Csr.MHARTID, Csr.MCONFIGPTR:
                return 0;
            case Csr.MCOUNTINHIBIT:
                return countInhibit;
            case Csr.MSTATUS:
                return mstatus;
            case Csr.MISA:
                return Cpu.MISA;
            case Csr.MEDELEG:
                return medeleg;
            case Csr.MIDELEG:
                return mideleg;
            case Csr.MIE:
                return mie;
            case Csr.MTVEC:
                return mtvec;
            case Csr.MCOUNTEREN:
                return mcounteren;
            case Csr.MENVCFG:
                return menvcfg;
            case Csr.MSCRATCH:
                return mscratch;
            case Csr.MEPC:
                return mepc;
            case Csr.MCAUSE:
                return mcause;
            case Csr.MTVAL:
                return mtval;
            case Csr.MIP:
                return cpu.mip();
            case Csr.SSTATUS:
                return mstatus & SSTATUS_VISIBLE;
            case Csr.SIE:
                return mie & mideleg & S_INTERRUPTS;
            case Csr.STVEC:
                return stvec;
            case Csr.SCOUNTEREN:
                return scounteren;
            case Csr.SENVCFG:
                return senvcfg;
            case Csr.SSCRATCH:
                return sscratch;
            case Csr.SEPC:
                return sepc;
            case Csr.SCAUSE:
                return scause;
            case Csr.STVAL:
                return stval;
            case Csr.SIP:
                return cpu.mip() & mideleg & S_INTERRUPTS;
            case Csr.SATP:
                return mmu.satp();
            case Csr.PMPCFG0:
                return pmp.readCfg(0);
            case Csr.PMPCFG2:
                return pmp.readCfg(2);
            case Csr.MCYCLE:
                return cycles();
            case Csr.MINSTRET:
                return retired();
            default:
                if (csr >= Csr.PMPADDR0 && csr < Csr.PMPADDR0 + Pmp.ENTRIES) {
                    return pmp.readAddr(csr - Csr.PMPADDR0);
                }
                if (csr >= Csr.HPMCOUNTER3 && csr <= Csr.HPMCOUNTER18) {
                    counterGate(csr - Csr.CYCLE);
                    return hpmCounters[csr - Csr.HPMCOUNTER3];
                }
                if (csr >= Csr.MHPMCOUNTER3 && csr <= Csr.MHPMCOUNTER18) {
                    return hpmCounters[csr - Csr.MHPMCOUNTER3];
                }
                if (csr >= Csr.MHPMEVENT3 && csr <= Csr.MHPMEVENT31) {
                    return hpmEvents[csr - Csr.MHPMEVENT3];
                }
                throw IllegalAccess.INSTANCE;
        }
    }

    /**
     * Writes {@code v} to {@code csr} (already checked by {@link #checkAccess} and read). Tells the CPU when the
     * change matters to translation or its fast paths.
     */
    void write(int csr, long v) {
        switch (csr) {
            case Csr.MSTATUS -> {
                writeStatus(v, MSTATUS_WRITABLE);
                cpu.privilegedStateChanged(false);
            }
            case Csr.SSTATUS -> {
                writeStatus(v, SSTATUS_WRITABLE);
                cpu.privilegedStateChanged(false);
            }
            case Csr.MEDELEG -> medeleg = v & MEDELEG_WRITABLE;
            case Csr.MIDELEG -> mideleg = v & MIDELEG_WRITABLE;
            case Csr.MIE -> mie = v & MIE_WRITABLE;
            case Csr.SIE -> {
                long mask = mideleg & S_INTERRUPTS;
                mie = (mie & ~mask) | (v & mask);
            }
            case Csr.MIP -> mipSoft = (mipSoft & ~MIDELEG_WRITABLE) | (v & MIDELEG_WRITABLE);
            case Csr.SIP -> {
                long mask = mideleg & SIP_WRITABLE;
                mipSoft = (mipSoft & ~mask) | (v & mask);
            }
            case Csr.MTVEC -> {
                if ((v & 3) < 2) {
                    mtvec = v;
                }
            }
            case Csr.STVEC -> {
                if ((v & 3) < 2) {
                    stvec = v;
                }
            }
            case Csr.MCOUNTEREN -> mcounteren = v;
            case Csr.SCOUNTEREN -> scounteren = v;
            case Csr.MENVCFG -> menvcfg = v & MENVCFG_WRITABLE;
            case Csr.SENVCFG -> senvcfg = v & SENVCFG_WRITABLE;
            case Csr.MSCRATCH -> mscratch = v;
            case Csr.MEPC -> mepc = v;
            case Csr.MCAUSE -> mcause = v;
            case Csr.MTVAL -> mtval = v;
            case Csr.SSCRATCH -> sscratch = v;
            case Csr.SEPC -> sepc = v;
            case Csr.SCAUSE -> scause = v;
            case Csr.STVAL -> stval = v;
            case Csr.SATP -> {
                if (mmu.writeSatp(v)) {
                    cpu.privilegedStateChanged(true);
                }
            }
            case Csr.PMPCFG0, Csr.PMPCFG2 -> {
                pmp.writeCfg(csr - Csr.PMPCFG0, v);
                mmu.flush();
                cpu.privilegedStateChanged(false);
            }
            // The write takes effect after this instruction retires, so the next read sees v.
            case Csr.MCYCLE -> cycleOffset = (countInhibit & 1) != 0 ? v : v - (cpu.instret() + 1);
            case Csr.MINSTRET -> instretOffset = (countInhibit & 4) != 0 ? v : v - (cpu.instret() + 1);
            case Csr.MCOUNTINHIBIT -> {
                long now = cpu.instret() + 1;
                long changed = countInhibit ^ v;
                if ((changed & 1) != 0) {
                    cycleOffset += (v & 1) != 0 ? now : -now;
                }
                if ((changed & 4) != 0) {
                    instretOffset += (v & 4) != 0 ? now : -now;
                }
                countInhibit = v;
            }
            default -> {
                if (csr >= Csr.PMPADDR0 && csr < Csr.PMPADDR0 + Pmp.ENTRIES) {
                    pmp.writeAddr(csr - Csr.PMPADDR0, v);
                    mmu.flush();
                    cpu.privilegedStateChanged(false);
                } else if (csr >= Csr.MHPMCOUNTER3 && csr <= Csr.MHPMCOUNTER18) {
                    hpmCounters[csr - Csr.MHPMCOUNTER3] = v;
                } else if (csr >= Csr.MHPMEVENT3 && csr <= Csr.MHPMEVENT31) {
                    hpmEvents[csr - Csr.MHPMEVENT3] = v;
                }
            }
        }
    }
}
