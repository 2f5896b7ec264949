package dev.ferry.machine.cpu;

/** Numbers of the control and status registers the hart implements. */
final class Csr {

    private Csr() {
    }

    static final int FFLAGS = 0x001;
    static final int FRM = 0x002;
    static final int FCSR = 0x003;
    static final int CYCLE = 0xc00;
    static final int TIME = 0xc01;
    static final int INSTRET = 0xc02;
    static final int HPMCOUNTER3 = 0xc03;
    /** QEMU 7.2's virt CPU has 16 programmable counters: hpmcounter3..18. */
    static final int HPMCOUNTER18 = 0xc12;
    static final int MVENDORID = 0xf11;
    static final int MARCHID = 0xf12;
    static final int MIMPID = 0xf13;
    static final int MHARTID = 0xf14;
    static final int MCONFIGPTR = 0xf15;
    static final int SSTATUS = 0x100;
    static final int SIE = 0x104;
    static final int STVEC = 0x105;
    static final int SCOUNTEREN = 0x106;
    static final int SENVCFG = 0x10a;
    static final int SSCRATCH = 0x140;
    static final int SEPC = 0x141;
    static final int SCAUSE = 0x142;
    static final int STVAL = 0x143;
    static final int SIP = 0x144;
    static final int SATP = 0x180;
    static final int MSTATUS = 0x300;
    static final int MISA = 0x301;
    static final int MEDELEG = 0x302;
    static final int MIDELEG = 0x303;
    static final int MIE = 0x304;
    static final int MTVEC = 0x305;
    static final int MCOUNTEREN = 0x306;
    static final int MENVCFG = 0x30a;
    static final int MCOUNTINHIBIT = 0x320;
    static final int MHPMEVENT3 = 0x323;
    static final int MHPMEVENT31 = 0x33f;
    static final int MSCRATCH = 0x340;
    static final int MEPC = 0x341;
    static final int MCAUSE = 0x342;
    static final int MTVAL = 0x343;
    static final int MIP = 0x344;
    static final int PMPCFG0 = 0x3a0;
    static final int PMPCFG2 = 0x3a2;
    static final int PMPADDR0 = 0x3b0;
    static final int MCYCLE = 0xb00;
    static final int MINSTRET = 0xb02;
    static final int MHPMCOUNTER3 = 0xb03;
    static final int MHPMCOUNTER18 = 0xb12;
}
