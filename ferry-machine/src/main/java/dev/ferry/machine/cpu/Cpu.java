package dev.ferry.machine.cpu;

import dev.ferry.machine.device.InterruptSink;
import dev.ferry.machine.device.SystemBus;
import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.machine.state.Snapshottable;
import dev.ferry.machine.time.GuestClock;
import dev.ferry.machine.time.RealTimeClock;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * One RV64IMAFDC hart with Zicsr and Zifencei, in M and U mode, behaving like QEMU 7.2's {@code virt} CPU where
 * guests can tell. {@code misa} reports what is implemented: MXL=64, A, C, D, F, I, M, U (QEMU's CPU also has
 * S). The F and D extensions live in {@link Fpu}, gated and tracked by {@code mstatus.FS} (Off makes FP
 * instructions and FP CSRs illegal, a write of FP state makes it Dirty, SD mirrors Dirty). Where QEMU 7.2 differs from the specification we follow QEMU, as checked on it: WFI in U mode is
 * illegal even with TW=0, mret to U is illegal while no PMP entry is active, misaligned LR/SC/AMOs raise
 * cause 4, SC succeeds when memory still holds the value LR read, ordinary misaligned loads and stores are
 * performed, ebreak leaves {@code mtval} 0, {@code pmpaddr}, {@code mepc} and {@code mcounteren} keep all
 * written bits, there are 16 programmable counters (hpmcounter3..18, reading 0), and U-mode counter access
 * needs the bit in both {@code mcounteren} and {@code scounteren} (which QEMU's S mode brings along).
 *
 * <p>Code runs from a cache of decoded blocks keyed by physical address and chained to their successors. The
 * cache is coherent with guest memory at every instruction (see {@link CodePage}), so execution never depends
 * on what it holds.
 *
 * <p>Time: with a {@link RealTimeClock}, {@code mtime} follows the host. Without one (deterministic mode) one
 * counter is the clock: every retired instruction is one tick, and WFI skips ticks forward to the timer
 * deadline. Interrupts are checked at every point where their condition can start to hold (after CSR writes,
 * mret, WFI, MMIO, and at the tick where {@code mtime} reaches {@code mtimecmp}), so the state after N ticks
 * does not depend on how {@link #run(long)} calls were split, on stops, or on save/restore.
 *
 * <p>Threading: everything runs on the thread calling {@link #run(long)} except {@link #requestStop()} and
 * {@link #setInterruptLevel(int, boolean)}, which any thread may call.
 */
public final class Cpu implements InterruptSink, Snapshottable<CpuState> {

    /** User privilege level. */
    public static final int PRIV_U = 0;
    /** Machine privilege level. */
    public static final int PRIV_M = 3;

    /** MXL=2 (64-bit) with extensions A, C, D, F, I, M, U. */
    public static final long MISA = (2L << 62) | 1 | 1 << 2 | 1 << 3 | 1 << 5 | 1 << 8 | 1 << 12 | 1 << 20;

    static final long MSTATUS_MIE = 1L << 3;
    static final long MSTATUS_MPIE = 1L << 7;
    static final long MSTATUS_MPP = 3L << 11;
    static final long MSTATUS_MPRV = 1L << 17;
    static final long MSTATUS_TW = 1L << 21;
    static final long MSTATUS_UXL = 2L << 32;
    /** Floating-point state: Off (FP instructions illegal), Initial, Clean, Dirty. */
    static final long MSTATUS_FS = 3L << 13;
    static final long MSTATUS_SD = 1L << 63;
    private static final long MSTATUS_WRITABLE = MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_TW
            | MSTATUS_FS;
    private static final long MIE_WRITABLE = 1L << MSIP | 1L << MTIP | 1L << MEIP;
    static final long INTERRUPT = 1L << 63;

    static final int CAUSE_FETCH_ACCESS = 1;
    static final int CAUSE_ILLEGAL = 2;
    static final int CAUSE_BREAKPOINT = 3;
    static final int CAUSE_LOAD_MISALIGNED = 4;
    static final int CAUSE_LOAD_ACCESS = 5;
    static final int CAUSE_STORE_ACCESS = 7;
    static final int CAUSE_ECALL_U = 8;
    static final int CAUSE_ECALL_M = 11;

    /** Instructions between clock polls in real-time mode (well under a millisecond). */
    private static final long REALTIME_SLICE = 1 << 16;

    private static final TrapSignal TRAP = new TrapSignal();

    private final GuestMemory ram;
    private final SystemBus bus;
    private final RealTimeClock realTime;
    private final GuestClock clock;
    private final long ramBase;
    private final long ramSize;
    private final Decoder decoder;
    private final CodePage[] code;
    private final BitSet codePages = new BitSet();
    /**
     * Per RAM page, the 64-byte granules whose stores may change decoded code of a page in granule mode (see
     * {@link CodePage}); zero for pages that guest memory watches instead.
     */
    private final long[] codeGranules;
    /** Translator of hot code to JVM bytecode, or {@code null} when the JIT is off. */
    private final Jit jit;

    /**
     * Integer registers; index 32 is where writes to x0 go. Sized 64 so that the interpreter's 6-bit register
     * fields are always in bounds.
     */
    private final long[] x = new long[64];
    private long pc;
    private int priv;
    private long instret;

    private long mstatus;
    private long mie;
    private long mtvec;
    private long mscratch;
    private long mepc;
    private long mcause;
    private long mtval;
    private long mcounteren;
    private long scounteren;
    private long menvcfg;
    /** mcycle/minstret minus the tick count; while mcountinhibit stops a counter, its frozen value. */
    private long cycleOffset;
    private long instretOffset;
    private long countInhibit;
    private final Pmp pmp = new Pmp();
    /** F and D registers and fcsr. */
    private final Fpu fpu = new Fpu();

    private boolean dataFast;
    private boolean fetchFast;
    private boolean wfiSleeping;
    private boolean resValid;
    private long resAddr;
    private long resValue;
    /** Set when the current block must end after the current instruction (MMIO, write to code). */
    private boolean breakBlock;

    private final AtomicInteger lines = new AtomicInteger();
    private volatile boolean asyncEvent;
    private volatile boolean stopRequested;
    private volatile Thread runThread;
    private LongSupplier timerCompare;
    private long mtimecmp = -1;

    /**
     * Creates a hart in M mode at pc 0; call {@link #reset(long)} to start elsewhere.
     *
     * @param realTime the host-following clock, or {@code null} for deterministic mode
     */
    public Cpu(GuestMemory ram, SystemBus bus, RealTimeClock realTime) {
        this.ram = Objects.requireNonNull(ram);
        this.bus = Objects.requireNonNull(bus);
        this.realTime = realTime;
        this.clock = realTime != null ? realTime : () -> instret;
        this.ramBase = ram.base();
        this.ramSize = ram.size();
        this.decoder = new Decoder(ram);
        this.code = new CodePage[ram.pageCount()];
        this.codeGranules = new long[ram.pageCount()];
        this.jit = Jit.fromSystemProperties(ram, code);
        ram.setCodeWriteListener(this::codeModified);
        reset(0);
    }

    // ---------------------------------------------------------------- public API

    /** The clock the CLINT shows as {@code mtime}: the real-time clock, or this hart's tick counter. */
    public GuestClock clock() {
        return clock;
    }

    /** Tells the hart where to read the CLINT's {@code mtimecmp}; MTIP is pending while mtime >= mtimecmp. */
    public void setTimerCompare(LongSupplier mtimecmp) {
        this.timerCompare = mtimecmp;
    }

    /** Resets to M mode at {@code pc} with zero registers, reset CSR values and a tick count of zero. */
    public void reset(long pc) {
        Arrays.fill(x, 0);
        this.pc = pc;
        priv = PRIV_M;
        instret = 0;
        mstatus = MSTATUS_UXL;
        mie = 0;
        mtvec = 0;
        mscratch = 0;
        mepc = 0;
        mcause = 0;
        mtval = 0;
        mcounteren = 0;
        scounteren = 0;
        menvcfg = 0;
        cycleOffset = 0;
        instretOffset = 0;
        countInhibit = 0;
        pmp.reset();
        fpu.reset();
        wfiSleeping = false;
        resValid = false;
        updatePmpFlags();
        flushCode();
    }

    /**
     * Drops all decoded code. Needed only after the host rewrote guest memory behind the CPU's back while it
     * keeps running the same image (writes through {@link GuestMemory} to pages it watches are seen anyway;
     * {@link #reset} and {@link #restoreState} flush by themselves).
     */
    public void flushCodeCache() {
        flushCode();
    }

    /** Register {@code i} (0-31). */
    public long reg(int i) {
        return x[Objects.checkIndex(i, 32)];
    }

    /** Sets register {@code i}; writes to x0 are ignored. */
    public void setReg(int i, long v) {
        if (Objects.checkIndex(i, 32) != 0) {
            x[i] = v;
        }
    }

    /** Address of the next instruction. */
    public long pc() {
        return pc;
    }

    /** Sets the address of the next instruction. */
    public void setPc(long pc) {
        this.pc = pc;
    }

    /** Current privilege level: {@link #PRIV_M} or {@link #PRIV_U}. */
    public int privilege() {
        return priv;
    }

    /** Ticks so far: retired instructions, plus in deterministic mode the ticks WFI skipped. */
    public long instret() {
        return instret;
    }

    /** True while the hart waits in WFI. */
    public boolean sleeping() {
        return wfiSleeping;
    }

    /** Asks {@link #run(long)} to return at the next instruction boundary; the request stays until it does. */
    public void requestStop() {
        stopRequested = true;
        wake();
    }

    @Override
    public void setInterruptLevel(int mipBit, boolean level) {
        int bit = 1 << mipBit;
        int old = lines.getAndUpdate(v -> level ? v | bit : v & ~bit);
        if (((old & bit) != 0) != level) {
            wake();
        }
    }

    private void wake() {
        asyncEvent = true;
        Thread t = runThread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /**
     * Executes until {@link #instret()} reaches {@code instretLimit} (an absolute count) or a stop is
     * requested. Traps and interrupts are handled inside; the hart never halts on its own.
     */
    public StopReason run(long instretLimit) {
        runThread = Thread.currentThread();
        try {
            while (true) {
                if (stopRequested) {
                    stopRequested = false;
                    return StopReason.STOP_REQUESTED;
                }
                if (instret >= instretLimit) {
                    return StopReason.INSTRET_LIMIT;
                }
                asyncEvent = false;
                if (timerCompare != null) {
                    mtimecmp = timerCompare.getAsLong();
                }
                long enabled = pendingBits() & mie;
                if (wfiSleeping) {
                    if (enabled == 0) {
                        sleep(instretLimit);
                        continue;
                    }
                    wfiSleeping = false;
                }
                if (enabled != 0 && (priv != PRIV_M || (mstatus & MSTATUS_MIE) != 0)) {
                    int irq = (enabled & 1L << MEIP) != 0 ? MEIP : (enabled & 1L << MSIP) != 0 ? MSIP : MTIP;
                    enterTrap(INTERRUPT | irq, 0);
                    continue;
                }
                long budget = instretLimit;
                if (realTime == null) {
                    if (timerCompare != null && Long.compareUnsigned(mtimecmp, instret) > 0
                            && Long.compareUnsigned(mtimecmp, budget) < 0) {
                        budget = mtimecmp;
                    }
                } else if (budget - instret > REALTIME_SLICE) {
                    budget = instret + REALTIME_SLICE;
                }
                try {
                    execute(budget);
                } catch (TrapSignal t) {
                    // the trap has been entered; continue at the handler
                }
            }
        } finally {
            runThread = null;
        }
    }

    private void sleep(long limit) {
        boolean timerWakes = timerCompare != null && (mie & 1L << MTIP) != 0;
        if (realTime == null) {
            if (timerWakes) {
                instret = Long.compareUnsigned(mtimecmp, limit) < 0 ? mtimecmp : limit;
            } else if (limit != Long.MAX_VALUE) {
                instret = limit;
            } else {
                LockSupport.park(this);
            }
        } else if (timerWakes) {
            long nanos = realTime.nanosUntil(mtimecmp);
            if (nanos > 0) {
                LockSupport.parkNanos(this, nanos);
            }
        } else {
            LockSupport.park(this);
        }
    }

    /** The mip register: device lines plus the timer comparison. */
    private long pendingBits() {
        long p = lines.get();
        if (timerCompare != null && Long.compareUnsigned(clock.mtime(), mtimecmp) >= 0) {
            p |= 1L << MTIP;
        }
        return p;
    }

    // ---------------------------------------------------------------- interpreter

    private static int rd(int w) {
        return (w >>> 8) & 63;
    }

    private static int rs1(int w) {
        return (w >>> 14) & 63;
    }

    private static int rs2(int w) {
        return (w >>> 20) & 63;
    }

    /** Runs chained blocks until {@code budget} ticks, an event, or a block that needs the run loop's checks. */
    private void execute(long budget) {
        final long[] x = this.x;
        final GuestMemory ram = this.ram;
        final long base = ramBase;
        final long l1 = ramSize - 1;
        final long l2 = ramSize - 2;
        final long l4 = ramSize - 4;
        final long l8 = ramSize - 8;
        final boolean fast = dataFast;
        final boolean checkFetch = !fetchFast;
        breakBlock = false;
        Block b = lookup(pc);
        final long[] granules = codeGranules;
        // The tick count and pc live in locals while blocks chain; sync() and the exits write them back.
        long ticks = instret;
        while (true) {
            if (jit != null && fast && !checkFetch) {
                instret = ticks;
                b = jitRun(b, budget);
                if (b == null) {
                    return;
                }
                ticks = instret;
            }
            if (b.verify) {
                b = verified(b);
            }
            final int[] ops = b.ops;
            final long[] imm = b.imm;
            final long start = ticks;
            int len = ops.length;
            int n = len;
            if (budget - start < n) {
                n = (int) (budget - start);
            }
            if (checkFetch) {
                n = fetchAllowed(b, n, start);
            }
            long next = b.fallPc;
            boolean exit = b.exitAfter;
            for (int i = 0; i < n; i++) {
                final int w = ops[i];
                switch (w & 0xff) {
                    case Op.LI -> x[rd(w)] = imm[i];
                    case Op.ADDI -> x[rd(w)] = x[rs1(w)] + imm[i];
                    case Op.SLTI -> x[rd(w)] = x[rs1(w)] < imm[i] ? 1 : 0;
                    case Op.SLTIU -> x[rd(w)] = Long.compareUnsigned(x[rs1(w)], imm[i]) < 0 ? 1 : 0;
                    case Op.XORI -> x[rd(w)] = x[rs1(w)] ^ imm[i];
                    case Op.ORI -> x[rd(w)] = x[rs1(w)] | imm[i];
                    case Op.ANDI -> x[rd(w)] = x[rs1(w)] & imm[i];
                    case Op.SLLI -> x[rd(w)] = x[rs1(w)] << imm[i];
                    case Op.SRLI -> x[rd(w)] = x[rs1(w)] >>> imm[i];
                    case Op.SRAI -> x[rd(w)] = x[rs1(w)] >> imm[i];
                    case Op.ADDIW -> x[rd(w)] = (int) (x[rs1(w)] + imm[i]);
                    case Op.SLLIW -> x[rd(w)] = (int) x[rs1(w)] << imm[i];
                    case Op.SRLIW -> x[rd(w)] = (int) x[rs1(w)] >>> imm[i];
                    case Op.SRAIW -> x[rd(w)] = (int) x[rs1(w)] >> imm[i];
                    case Op.ADD -> x[rd(w)] = x[rs1(w)] + x[rs2(w)];
                    case Op.SUB -> x[rd(w)] = x[rs1(w)] - x[rs2(w)];
                    case Op.SLL -> x[rd(w)] = x[rs1(w)] << x[rs2(w)];
                    case Op.SLT -> x[rd(w)] = x[rs1(w)] < x[rs2(w)] ? 1 : 0;
                    case Op.SLTU -> x[rd(w)] = Long.compareUnsigned(x[rs1(w)], x[rs2(w)]) < 0 ? 1 : 0;
                    case Op.XOR -> x[rd(w)] = x[rs1(w)] ^ x[rs2(w)];
                    case Op.SRL -> x[rd(w)] = x[rs1(w)] >>> x[rs2(w)];
                    case Op.SRA -> x[rd(w)] = x[rs1(w)] >> x[rs2(w)];
                    case Op.OR -> x[rd(w)] = x[rs1(w)] | x[rs2(w)];
                    case Op.AND -> x[rd(w)] = x[rs1(w)] & x[rs2(w)];
                    case Op.ADDW -> x[rd(w)] = (int) (x[rs1(w)] + x[rs2(w)]);
                    case Op.SUBW -> x[rd(w)] = (int) (x[rs1(w)] - x[rs2(w)]);
                    case Op.SLLW -> x[rd(w)] = (int) x[rs1(w)] << (int) x[rs2(w)];
                    case Op.SRLW -> x[rd(w)] = (int) x[rs1(w)] >>> (int) x[rs2(w)];
                    case Op.SRAW -> x[rd(w)] = (int) x[rs1(w)] >> (int) x[rs2(w)];
                    case Op.MUL -> x[rd(w)] = x[rs1(w)] * x[rs2(w)];
                    case Op.MULH -> x[rd(w)] = Math.multiplyHigh(x[rs1(w)], x[rs2(w)]);
                    case Op.MULHSU -> x[rd(w)] = mulhsu(x[rs1(w)], x[rs2(w)]);
                    case Op.MULHU -> x[rd(w)] = Math.unsignedMultiplyHigh(x[rs1(w)], x[rs2(w)]);
                    case Op.DIV -> x[rd(w)] = div(x[rs1(w)], x[rs2(w)]);
                    case Op.DIVU -> x[rd(w)] = divu(x[rs1(w)], x[rs2(w)]);
                    case Op.REM -> x[rd(w)] = rem(x[rs1(w)], x[rs2(w)]);
                    case Op.REMU -> x[rd(w)] = remu(x[rs1(w)], x[rs2(w)]);
                    case Op.MULW -> x[rd(w)] = (int) x[rs1(w)] * (int) x[rs2(w)];
                    case Op.DIVW -> x[rd(w)] = divw((int) x[rs1(w)], (int) x[rs2(w)]);
                    case Op.DIVUW -> x[rd(w)] = divuw((int) x[rs1(w)], (int) x[rs2(w)]);
                    case Op.REMW -> x[rd(w)] = remw((int) x[rs1(w)], (int) x[rs2(w)]);
                    case Op.REMUW -> x[rd(w)] = remuw((int) x[rs1(w)], (int) x[rs2(w)]);
                    case Op.LB -> {
                        long a = x[rs1(w)] + imm[i];
                        long v;
                        if (fast && Long.compareUnsigned(a - base, l1) <= 0) {
                            v = (byte) ram.load8(a);
                        } else {
                            v = (byte) loadSlow(a, 1, b, i, start);
                            if (breakBlock) {
                                breakBlock = false;
                                n = i + 1;
                                exit = true;
                            }
                        }
                        x[rd(w)] = v;
                    }
                    case Op.LH -> {
                        long a = x[rs1(w)] + imm[i];
                        long v;
                        if (fast && Long.compareUnsigned(a - base, l2) <= 0) {
                            v = (short) ram.load16(a);
                        } else {
                            v = (short) loadSlow(a, 2, b, i, start);
                            if (breakBlock) {
                                breakBlock = false;
                                n = i + 1;
                                exit = true;
                            }
                        }
                        x[rd(w)] = v;
                    }
                    case Op.LW -> {
                        long a = x[rs1(w)] + imm[i];
                        long v;
                        if (fast && Long.compareUnsigned(a - base, l4) <= 0) {
                            v = ram.load32(a);
                        } else {
                            v = (int) loadSlow(a, 4, b, i, start);
                            if (breakBlock) {
                                breakBlock = false;
                                n = i + 1;
                                exit = true;
                            }
                        }
                        x[rd(w)] = v;
                    }
                    case Op.LD -> {
                        long a = x[rs1(w)] + imm[i];
                        long v;
                        if (fast && Long.compareUnsigned(a - base, l8) <= 0) {
                            v = ram.load64(a);
                        } else {
                            v = loadSlow(a, 8, b, i, start);
                            if (breakBlock) {
                                breakBlock = false;
                                n = i + 1;
                                exit = true;
                            }
                        }
                        x[rd(w)] = v;
                    }
                    case Op.LBU -> {
                        long a = x[rs1(w)] + imm[i];
                        long v;
                        if (fast && Long.compareUnsigned(a - base, l1) <= 0) {
                            v = ram.load8(a);
                        } else {
                            v = loadSlow(a, 1, b, i, start);
                            if (breakBlock) {
                                breakBlock = false;
                                n = i + 1;
                                exit = true;
                            }
                        }
                        x[rd(w)] = v;
                    }
                    case Op.LHU -> {
                        long a = x[rs1(w)] + imm[i];
                        long v;
                        if (fast && Long.compareUnsigned(a - base, l2) <= 0) {
                            v = ram.load16(a);
                        } else {
                            v = loadSlow(a, 2, b, i, start);
                            if (breakBlock) {
                                breakBlock = false;
                                n = i + 1;
                                exit = true;
                            }
                        }
                        x[rd(w)] = v;
                    }
                    case Op.LWU -> {
                        long a = x[rs1(w)] + imm[i];
                        long v;
                        if (fast && Long.compareUnsigned(a - base, l4) <= 0) {
                            v = ram.load32(a) & 0xffff_ffffL;
                        } else {
                            v = loadSlow(a, 4, b, i, start);
                            if (breakBlock) {
                                breakBlock = false;
                                n = i + 1;
                                exit = true;
                            }
                        }
                        x[rd(w)] = v;
                    }
                    case Op.SB -> {
                        long a = x[rs1(w)] + imm[i];
                        long o = a - base;
                        if (fast && Long.compareUnsigned(o, l1) <= 0) {
                            ram.store8(a, (int) x[rs2(w)]);
                            if ((granules[(int) (o >>> GuestMemory.PAGE_SHIFT)] & 1L << (o >>> 6)) != 0) {
                                codeStore(o, 1);
                            }
                        } else {
                            storeSlow(a, 1, x[rs2(w)], b, i, start);
                        }
                        if (breakBlock) {
                            breakBlock = false;
                            n = i + 1;
                            exit = true;
                        }
                    }
                    case Op.SH -> {
                        long a = x[rs1(w)] + imm[i];
                        long o = a - base;
                        if (fast && Long.compareUnsigned(o, l2) <= 0) {
                            ram.store16(a, (int) x[rs2(w)]);
                            if ((granules[(int) (o >>> GuestMemory.PAGE_SHIFT)] & 1L << (o >>> 6)) != 0) {
                                codeStore(o, 2);
                            }
                        } else {
                            storeSlow(a, 2, x[rs2(w)], b, i, start);
                        }
                        if (breakBlock) {
                            breakBlock = false;
                            n = i + 1;
                            exit = true;
                        }
                    }
                    case Op.SW -> {
                        long a = x[rs1(w)] + imm[i];
                        long o = a - base;
                        if (fast && Long.compareUnsigned(o, l4) <= 0) {
                            ram.store32(a, (int) x[rs2(w)]);
                            if ((granules[(int) (o >>> GuestMemory.PAGE_SHIFT)] & 1L << (o >>> 6)) != 0) {
                                codeStore(o, 4);
                            }
                        } else {
                            storeSlow(a, 4, x[rs2(w)], b, i, start);
                        }
                        if (breakBlock) {
                            breakBlock = false;
                            n = i + 1;
                            exit = true;
                        }
                    }
                    case Op.SD -> {
                        long a = x[rs1(w)] + imm[i];
                        long o = a - base;
                        if (fast && Long.compareUnsigned(o, l8) <= 0) {
                            ram.store64(a, x[rs2(w)]);
                            if ((granules[(int) (o >>> GuestMemory.PAGE_SHIFT)] & 1L << (o >>> 6)) != 0) {
                                codeStore(o, 8);
                            }
                        } else {
                            storeSlow(a, 8, x[rs2(w)], b, i, start);
                        }
                        if (breakBlock) {
                            breakBlock = false;
                            n = i + 1;
                            exit = true;
                        }
                    }
                    case Op.BEQ -> {
                        if (x[rs1(w)] == x[rs2(w)]) {
                            next = imm[i];
                            n = i + 1;
                            len = n;
                        }
                    }
                    case Op.BNE -> {
                        if (x[rs1(w)] != x[rs2(w)]) {
                            next = imm[i];
                            n = i + 1;
                            len = n;
                        }
                    }
                    case Op.BLT -> {
                        if (x[rs1(w)] < x[rs2(w)]) {
                            next = imm[i];
                            n = i + 1;
                            len = n;
                        }
                    }
                    case Op.BGE -> {
                        if (x[rs1(w)] >= x[rs2(w)]) {
                            next = imm[i];
                            n = i + 1;
                            len = n;
                        }
                    }
                    case Op.BLTU -> {
                        if (Long.compareUnsigned(x[rs1(w)], x[rs2(w)]) < 0) {
                            next = imm[i];
                            n = i + 1;
                            len = n;
                        }
                    }
                    case Op.BGEU -> {
                        if (Long.compareUnsigned(x[rs1(w)], x[rs2(w)]) >= 0) {
                            next = imm[i];
                            n = i + 1;
                            len = n;
                        }
                    }
                    case Op.JAL -> {
                        x[rd(w)] = b.fallPc;
                        next = imm[i];
                    }
                    case Op.JALR -> {
                        long target = (x[rs1(w)] + imm[i]) & ~1L;
                        x[rd(w)] = b.fallPc;
                        next = target;
                    }
                    case Op.AMO -> {
                        sync(b, i, start);
                        amo((int) imm[i]);
                        if (breakBlock) {
                            breakBlock = false;
                            n = i + 1;
                            exit = true;
                        }
                    }
                    case Op.SYSTEM -> {
                        sync(b, i, start);
                        next = system((int) imm[i], b.fallPc);
                    }
                    case Op.NOP -> {
                    }
                    case Op.FP -> {
                        sync(b, i, start);
                        fp(imm[i]);
                        if (breakBlock) {
                            breakBlock = false;
                            n = i + 1;
                            exit = true;
                        }
                    }
                    case Op.FETCH_FAULT -> {
                        sync(b, i, start);
                        throw exception(CAUSE_FETCH_ACCESS, imm[i]);
                    }
                    default -> {
                        sync(b, i, start);
                        throw exception(CAUSE_ILLEGAL, imm[i]);
                    }
                }
            }
            if (n < len) {
                next = b.pc + b.offs[n];
            }
            ticks = start + n;
            if (exit || ticks >= budget || asyncEvent) {
                instret = ticks;
                pc = next;
                return;
            }
            Block nb;
            if (next == b.fallPc) {
                nb = b.fallNext;
                if (nb == null || !nb.valid) {
                    instret = ticks;
                    pc = next;
                    nb = lookup(next);
                    b.fallNext = nb;
                }
            } else if (next == b.takenPc && b.takenNext.valid) {
                nb = b.takenNext;
            } else if (next == b.otherPc && b.otherNext.valid) {
                nb = b.otherNext;
            } else {
                instret = ticks;
                pc = next;
                nb = lookup(next);
                b.otherPc = b.takenPc;
                b.otherNext = b.takenNext;
                b.takenPc = next;
                b.takenNext = nb;
            }
            b = nb;
        }
    }

    private static long mulhsu(long a, long b) {
        return Math.multiplyHigh(a, b) + (b < 0 ? a : 0);
    }

    private static long div(long a, long b) {
        return b == 0 ? -1 : a / b;
    }

    private static long divu(long a, long b) {
        return b == 0 ? -1 : Long.divideUnsigned(a, b);
    }

    private static long rem(long a, long b) {
        return b == 0 ? a : a % b;
    }

    private static long remu(long a, long b) {
        return b == 0 ? a : Long.remainderUnsigned(a, b);
    }

    private static long divw(int a, int b) {
        return b == 0 ? -1 : a / b;
    }

    private static long divuw(int a, int b) {
        return b == 0 ? -1 : Integer.divideUnsigned(a, b);
    }

    private static long remw(int a, int b) {
        return b == 0 ? a : a % b;
    }

    private static long remuw(int a, int b) {
        return b == 0 ? a : Integer.remainderUnsigned(a, b);
    }

    /** Makes pc and instret exact for instruction {@code i} of {@code b} before a call that may trap or read time. */
    private void sync(Block b, int i, long start) {
        pc = b.pc + b.offs[i];
        instret = start + i;
    }

    /** Number of leading instructions of the block that PMP lets this privilege fetch; traps if none. */
    private int fetchAllowed(Block b, int n, long start) {
        for (int j = 0; j < n; j++) {
            long p = b.pc + b.offs[j];
            if (!pmp.check(p, b.offs[j + 1] - b.offs[j], Pmp.X, priv)) {
                if (j == 0) {
                    sync(b, 0, start);
                    throw exception(CAUSE_FETCH_ACCESS, p);
                }
                return j;
            }
        }
        return n;
    }

    // ---------------------------------------------------------------- code cache

    private Block lookup(long addr) {
        long off = addr - ramBase;
        if (Long.compareUnsigned(off, ramSize - 2) > 0) {
            throw exception(CAUSE_FETCH_ACCESS, addr);
        }
        int page = (int) (off >>> GuestMemory.PAGE_SHIFT);
        CodePage cp = code[page];
        if (cp == null) {
            cp = new CodePage();
            code[page] = cp;
            codePages.set(page);
        }
        if (!cp.watched && !cp.granuleMode) {
            ram.watchCode(page);
            cp.watched = true;
        }
        int index = ((int) off & GuestMemory.PAGE_MASK) >>> 1;
        Block b = cp.table[index];
        if (b != null && !b.valid && matches(b)) {
            b.valid = true;
        }
        if (b == null || !b.valid) {
            b = decoder.decode(addr);
            cp.put(index, b);
            if (cp.granuleMode) {
                publishGranules(page, b.granules);
            }
        }
        return b;
    }

    /** Makes stores to {@code mask}'s granules of {@code page} (and bytes spilling into them) call codeStore. */
    private void publishGranules(int page, long mask) {
        codeGranules[page] |= mask;
        if ((mask & 1) != 0 && page > 0) {
            codeGranules[page - 1] |= 1L << 63;
        }
    }

    /**
     * A store of {@code width} bytes at RAM offset {@code o} hit a granule that may hold decoded code. Blocks
     * whose bytes it wrote are invalidated, and then the running block ends after the store.
     */
    private void codeStore(long o, int width) {
        long last = o + width - 1;
        int first = (int) (o >>> GuestMemory.PAGE_SHIFT);
        int lastPage = (int) (last >>> GuestMemory.PAGE_SHIFT);
        long from = o & GuestMemory.PAGE_MASK;
        long to = last & GuestMemory.PAGE_MASK;
        if (first == lastPage) {
            bytesWritten(first, from, to);
        } else {
            bytesWritten(first, from, GuestMemory.PAGE_MASK);
            if (lastPage < code.length) {
                bytesWritten(lastPage, 0, to);
            }
        }
    }

    private void bytesWritten(int page, long from, long to) {
        CodePage cp = code[page];
        long mask = (-1L << (from >>> 6)) & (-1L >>> (63 - (to >>> 6)));
        if (cp != null && cp.granuleMode && cp.bytesWritten(from, to, mask)) {
            breakBlock = true;
        }
    }

    /** True when memory still holds the code {@code b} was decoded from. */
    private boolean matches(Block b) {
        char[] source = b.source;
        long p = b.pc;
        for (int j = 0; j < source.length; j++) {
            if (ram.load16(p + 2L * j) != source[j]) {
                return false;
            }
        }
        return true;
    }

    /** Entry check of a block that verifies on every entry: itself if unchanged, else a fresh decode. */
    private Block verified(Block b) {
        if (b.valid && matches(b)) {
            return b;
        }
        b.valid = false;
        return lookup(b.pc);
    }

    private void codeModified(int page) {
        breakBlock = true;
        if (jit != null) {
            jit.pageWritten(page);
        }
        CodePage cp = code[page];
        if (cp != null && cp.written()) {
            publishGranules(page, cp.granules());
        }
    }

    /** Drops every decoded block (fence.i). The cache is coherent anyway; this keeps fence.i a hard barrier. */
    private void flushCode() {
        if (jit != null) {
            jit.flush();
        }
        for (int page = codePages.nextSetBit(0); page >= 0; page = codePages.nextSetBit(page + 1)) {
            code[page].invalidateAll();
            code[page] = null;
            codeGranules[page] = 0;
            if (page > 0) {
                codeGranules[page - 1] = 0;
            }
        }
        codePages.clear();
    }

    // ---------------------------------------------------------------- JIT hooks

    /**
     * Runs compiled code from {@code b} while there is some and it makes progress. Returns the block the
     * interpreter runs next, or {@code null} when execute must return to the run loop; pc and instret are exact.
     */
    private Block jitRun(Block b, long budget) {
        while (true) {
            CompiledRegion r = jit.regionFor(b);
            if (r == null || budget - instret < b.len) {
                return b;
            }
            long start = instret;
            instret = r.run(this, x, start, budget);
            pc = r.exitPc;
            if (breakBlock) {
                breakBlock = false;
                return null;
            }
            if (instret >= budget || asyncEvent) {
                return null;
            }
            Block next = lookup(pc);
            if (instret == start) {
                return next;
            }
            b = next;
        }
    }

    /**
     * For compiled code, after each RAM store: the interpreter's code-granule check; true when the store wrote
     * decoded code (of this region or any other), so the region must end after it.
     */
    boolean jitStored(long a, int width) {
        long o = a - ramBase;
        if ((codeGranules[(int) (o >>> GuestMemory.PAGE_SHIFT)] & 1L << (o >>> 6)) != 0) {
            codeStore(o, width);
        }
        return breakBlock;
    }

    /** For compiled code, at backward jumps: true when an interrupt line changed or a stop was requested. */
    boolean jitEventPending() {
        return asyncEvent;
    }

    /** Number of regions the JIT compiled, or -1 when it is off (for tests). */
    int jitCompiledCount() {
        return jit == null ? -1 : jit.compiledCount();
    }

    // ---------------------------------------------------------------- memory slow paths

    private int dataPriv() {
        return priv == PRIV_M && (mstatus & MSTATUS_MPRV) != 0 ? (int) ((mstatus >>> 11) & 3) : priv;
    }

    private void updatePmpFlags() {
        dataFast = pmp.uniform(ramBase, ramSize, Pmp.R | Pmp.W, dataPriv());
        fetchFast = pmp.uniform(ramBase, ramSize, Pmp.X, priv);
    }

    private long loadSlow(long a, int width, Block b, int i, long start) {
        sync(b, i, start);
        if (!pmp.check(a, width, Pmp.R, dataPriv())) {
            throw exception(CAUSE_LOAD_ACCESS, a);
        }
        return physRead(a, width, CAUSE_LOAD_ACCESS);
    }

    private void storeSlow(long a, int width, long v, Block b, int i, long start) {
        sync(b, i, start);
        if (!pmp.check(a, width, Pmp.W, dataPriv())) {
            throw exception(CAUSE_STORE_ACCESS, a);
        }
        physWrite(a, width, v);
    }

    /** Reads RAM or MMIO, zero-extended; an address nobody answers raises {@code cause}. */
    private long physRead(long a, int width, int cause) {
        if (ram.contains(a, width)) {
            return ram.load(a, width);
        }
        try {
            long v = bus.read(a, width);
            breakBlock = true;
            return v;
        } catch (SystemBus.BusError e) {
            throw exception(cause, a);
        }
    }

    private void physWrite(long a, int width, long v) {
        if (ram.contains(a, width)) {
            ram.store(a, width, v);
            long o = a - ramBase;
            if ((codeGranules[(int) (o >>> GuestMemory.PAGE_SHIFT)] & 1L << (o >>> 6)) != 0) {
                codeStore(o, width);
            }
            return;
        }
        try {
            bus.write(a, width, v);
            breakBlock = true;
        } catch (SystemBus.BusError e) {
            throw exception(CAUSE_STORE_ACCESS, a);
        }
    }

    private static long signExtend(long v, int width) {
        return width == 4 ? (int) v : v;
    }

    /**
     * LR/SC and AMOs. As in QEMU 7.2 (checked on it): every misaligned LR, SC and AMO raises
     * load-address-misaligned (4), not the store/AMO cause the specification asks for; SC fails
     * without touching memory unless it matches the reservation, and then succeeds only if memory still holds
     * the value LR read; a trap drops the reservation.
     */
    private void amo(int raw) {
        int rd = (raw >>> 7) & 31;
        long a = x[(raw >>> 15) & 31];
        long src = x[(raw >>> 20) & 31];
        int width = ((raw >>> 12) & 7) == 3 ? 8 : 4;
        int f5 = raw >>> 27;
        long result;
        if (f5 == 2) {
            if ((a & (width - 1)) != 0) {
                throw exception(CAUSE_LOAD_MISALIGNED, a);
            }
            if (!pmp.check(a, width, Pmp.R, dataPriv())) {
                throw exception(CAUSE_LOAD_ACCESS, a);
            }
            result = signExtend(physRead(a, width, CAUSE_LOAD_ACCESS), width);
            resValid = true;
            resAddr = a;
            resValue = result;
        } else if (f5 == 3) {
            result = 1;
            if (resValid && resAddr == a) {
                if ((a & (width - 1)) != 0) {
                    throw exception(CAUSE_LOAD_MISALIGNED, a);
                }
                if (!pmp.check(a, width, Pmp.R | Pmp.W, dataPriv())) {
                    throw exception(CAUSE_STORE_ACCESS, a);
                }
                long mask = width == 8 ? -1L : 0xffff_ffffL;
                long current = physRead(a, width, CAUSE_STORE_ACCESS);
                if ((current & mask) == (resValue & mask)) {
                    physWrite(a, width, src);
                    result = 0;
                }
            }
            resValid = false;
        } else {
            if ((a & (width - 1)) != 0) {
                throw exception(CAUSE_LOAD_MISALIGNED, a);
            }
            if (!pmp.check(a, width, Pmp.R | Pmp.W, dataPriv())) {
                throw exception(CAUSE_STORE_ACCESS, a);
            }
            long old = signExtend(physRead(a, width, CAUSE_LOAD_ACCESS), width);
            long s = signExtend(src, width);
            long v = switch (f5) {
                case 0x00 -> old + s;
                case 0x01 -> s;
                case 0x04 -> old ^ s;
                case 0x0c -> old & s;
                case 0x08 -> old | s;
                case 0x10 -> Math.min(old, s);
                case 0x14 -> Math.max(old, s);
                case 0x18 -> Long.compareUnsigned(old, s) <= 0 ? old : s;
                default -> Long.compareUnsigned(old, s) >= 0 ? old : s;
            };
            physWrite(a, width, v);
            result = old;
        }
        if (rd != 0) {
            x[rd] = result;
        }
    }

    // ---------------------------------------------------------------- F and D extensions (see Fpu)

    /** Runs one F/D instruction: illegal while mstatus.FS is Off; a register write makes FS Dirty. */
    private void fp(long code) {
        int r = (mstatus & MSTATUS_FS) == 0 ? Fpu.ILLEGAL : fpu.execute(code, x, fpMemory);
        if (r == Fpu.ILLEGAL) {
            throw exception(CAUSE_ILLEGAL, Fpu.tval(code));
        }
        if (r == Fpu.DIRTY) {
            mstatus |= MSTATUS_FS;
        }
    }

    private final Fpu.Memory fpMemory = new Fpu.Memory() {
        @Override
        public long load(long a, int width) {
            if (!pmp.check(a, width, Pmp.R, dataPriv())) {
                throw exception(CAUSE_LOAD_ACCESS, a);
            }
            return physRead(a, width, CAUSE_LOAD_ACCESS);
        }

        @Override
        public void store(long a, int width, long v) {
            if (!pmp.check(a, width, Pmp.W, dataPriv())) {
                throw exception(CAUSE_STORE_ACCESS, a);
            }
            physWrite(a, width, v);
        }
    };

    /** What the last {@link #jitFp} did: 0 ran, 1 declined (nothing changed), 2 ran and wrote code. */
    private int jitFpStatus;
    /** Integer registers as {@link #jitFp} passes them to the FP unit: only rs1 in, only rd out. */
    private final long[] jitFpX = new long[32];

    /**
     * For compiled code: runs F/D instruction {@code code} with {@code rs1Value} in its integer rs1 and returns
     * its integer result, unless it would trap or reach outside RAM; then it declines without a side effect and
     * the interpreter runs it. Compiled code runs only while PMP allows every RAM access (dataFast), so a RAM
     * access cannot fault; addresses are physical.
     */
    long jitFp(long code, long rs1Value) {
        jitFpStatus = 1;
        if ((mstatus & MSTATUS_FS) == 0) {
            return 0;
        }
        int raw = (int) code;
        int width = Fpu.accessWidth(raw);
        if (width != 0 && !ram.contains(Fpu.accessAddress(raw, rs1Value), width)) {
            return 0;
        }
        long[] regs = jitFpX;
        regs[(raw >>> 15) & 31] = rs1Value;
        regs[0] = 0;
        int r = fpu.execute(code, regs, fpMemory);
        if (r == Fpu.ILLEGAL) {
            return 0;
        }
        if (r == Fpu.DIRTY) {
            mstatus |= MSTATUS_FS;
        }
        // as after compiled stores, breakBlock stays set for jitRun to see
        jitFpStatus = breakBlock ? 2 : 0;
        return regs[(raw >>> 7) & 31];
    }

    int jitFpStatus() {
        return jitFpStatus;
    }

    /** fflags, frm and fcsr: illegal while FS is Off; reading them leaves FS alone. */
    private long fpCsrRead(int csr, int raw) {
        if ((mstatus & MSTATUS_FS) == 0) {
            throw illegal(raw);
        }
        return csr == Csr.FFLAGS ? fpu.fflags() : csr == Csr.FRM ? fpu.frm() : fpu.fcsr();
    }

    private void fpCsrWrite(int csr, long v) {
        mstatus |= MSTATUS_FS;
        switch (csr) {
            case Csr.FFLAGS -> fpu.setFflags(v);
            case Csr.FRM -> fpu.setFrm(v);
            default -> fpu.setFcsr(v);
        }
    }

    // ---------------------------------------------------------------- traps and system instructions

    /** Enters the M-mode trap handler for the instruction at {@link #pc}; returns the signal to throw. */
    private TrapSignal exception(long cause, long tval) {
        enterTrap(cause, tval);
        return TRAP;
    }

    private void enterTrap(long cause, long tval) {
        mepc = pc;
        mcause = cause;
        mtval = tval;
        long s = mstatus & ~(MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MIE);
        if ((mstatus & MSTATUS_MIE) != 0) {
            s |= MSTATUS_MPIE;
        }
        mstatus = s | (long) priv << 11;
        priv = PRIV_M;
        resValid = false;
        wfiSleeping = false;
        long vector = mtvec & ~3L;
        pc = cause < 0 && (mtvec & 1) != 0 ? vector + 4 * (cause & 63) : vector;
        updatePmpFlags();
    }

    private TrapSignal illegal(int raw) {
        return exception(CAUSE_ILLEGAL, raw & 0xffff_ffffL);
    }

    /** Executes ecall, ebreak, mret, wfi, fence.i and the CSR instructions; returns the next pc. */
    private long system(int raw, long nextPc) {
        if ((raw & 0x7f) == 0x0f) {
            flushCode();
            return nextPc;
        }
        int f3 = (raw >>> 12) & 7;
        if (f3 != 0) {
            return csrInstruction(raw, f3, nextPc);
        }
        switch (raw) {
            case 0x0000_0073 -> throw exception(priv == PRIV_U ? CAUSE_ECALL_U : CAUSE_ECALL_M, 0);
            case 0x0010_0073 -> throw exception(CAUSE_BREAKPOINT, 0);
            case 0x3020_0073 -> {
                return mret(raw);
            }
            case 0x1050_0073 -> {
                // QEMU 7.2 (whose virt CPU has S mode) rejects WFI in U mode regardless of mstatus.TW.
                if (priv != PRIV_M) {
                    throw illegal(raw);
                }
                wfiSleeping = true;
                return nextPc;
            }
            default -> throw illegal(raw);
        }
    }

    private long mret(int raw) {
        if (priv != PRIV_M) {
            throw illegal(raw);
        }
        int mpp = (int) ((mstatus >>> 11) & 3);
        // QEMU 7.2 refuses to leave M mode while no PMP entry is active.
        if (mpp != PRIV_M && pmp.activeRules() == 0) {
            throw illegal(raw);
        }
        long s = mstatus & ~(MSTATUS_MIE | MSTATUS_MPP);
        if ((mstatus & MSTATUS_MPIE) != 0) {
            s |= MSTATUS_MIE;
        }
        s |= MSTATUS_MPIE;
        if (mpp != PRIV_M) {
            s &= ~MSTATUS_MPRV;
        }
        mstatus = s;
        priv = mpp;
        updatePmpFlags();
        return mepc & ~1L;
    }

    private long csrInstruction(int raw, int f3, long nextPc) {
        int csr = raw >>> 20;
        int rd = (raw >>> 7) & 31;
        int rs1 = (raw >>> 15) & 31;
        long src = f3 >= 5 ? rs1 : x[rs1];
        int kind = f3 & 3;
        boolean writes = kind == 1 || rs1 != 0;
        if (((csr >>> 8) & 3) > priv || (writes && (csr >>> 10) == 3)) {
            throw illegal(raw);
        }
        long old = csrRead(csr, raw);
        if (writes) {
            csrWrite(csr, kind == 1 ? src : kind == 2 ? old | src : old & ~src);
        }
        if (rd != 0) {
            x[rd] = old;
        }
        return nextPc;
    }

    private long cycles() {
        return (countInhibit & 1) != 0 ? cycleOffset : instret + cycleOffset;
    }

    private long retired() {
        return (countInhibit & 4) != 0 ? instretOffset : instret + instretOffset;
    }

    private void counterGate(int index, int raw) {
        if (priv == PRIV_U && ((mcounteren & scounteren) >>> index & 1) == 0) {
            throw illegal(raw);
        }
    }

    private long csrRead(int csr, int raw) {
        switch (csr) {
            case Csr.CYCLE:
                counterGate(0, raw);
                return cycles();
            case Csr.TIME:
                counterGate(1, raw);
                return clock.mtime();
            case Csr.INSTRET:
                counterGate(2, raw);
                return retired();
            case Csr.MVENDORID, Csr.MARCHID, Csr.MIMPID, Csr.MHARTID, Csr.MCONFIGPTR:
                return 0;
            case Csr.MCOUNTINHIBIT:
                return countInhibit;
            case Csr.MSTATUS:
                return (mstatus & MSTATUS_FS) == MSTATUS_FS ? mstatus | MSTATUS_SD : mstatus;
            case Csr.FFLAGS, Csr.FRM, Csr.FCSR:
                return fpCsrRead(csr, raw);
            case Csr.MISA:
                return MISA;
            case Csr.MIE:
                return mie;
            case Csr.MTVEC:
                return mtvec;
            case Csr.MCOUNTEREN:
                return mcounteren;
            case Csr.SCOUNTEREN:
                return scounteren;
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
                return pendingBits();
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
                    counterGate(csr - Csr.CYCLE, raw);
                    return 0;
                }
                if ((csr >= Csr.MHPMCOUNTER3 && csr <= Csr.MHPMCOUNTER18)
                        || (csr >= Csr.MHPMEVENT3 && csr <= Csr.MHPMEVENT31)) {
                    return 0;
                }
                throw illegal(raw);
        }
    }

    private void csrWrite(int csr, long v) {
        switch (csr) {
            case Csr.MSTATUS -> {
                long mpp = v & MSTATUS_MPP;
                if (mpp == 1L << 11) {
                    mpp = 0;
                } else if (mpp == 2L << 11) {
                    mpp = mstatus & MSTATUS_MPP;
                }
                mstatus = (mstatus & ~MSTATUS_WRITABLE) | (v & MSTATUS_WRITABLE & ~MSTATUS_MPP) | mpp;
                updatePmpFlags();
            }
            case Csr.MIE -> mie = v & MIE_WRITABLE;
            case Csr.FFLAGS, Csr.FRM, Csr.FCSR -> fpCsrWrite(csr, v);
            case Csr.MTVEC -> {
                if ((v & 3) < 2) {
                    mtvec = v;
                }
            }
            case Csr.MCOUNTEREN -> mcounteren = v;
            case Csr.SCOUNTEREN -> scounteren = v;
            case Csr.MENVCFG -> menvcfg = v & 1;
            case Csr.MSCRATCH -> mscratch = v;
            case Csr.MEPC -> mepc = v;
            case Csr.MCAUSE -> mcause = v;
            case Csr.MTVAL -> mtval = v;
            case Csr.PMPCFG0, Csr.PMPCFG2 -> {
                pmp.writeCfg(csr - Csr.PMPCFG0, v);
                updatePmpFlags();
            }
            // The write takes effect after this instruction retires, so the next read sees v.
            case Csr.MCYCLE -> cycleOffset = (countInhibit & 1) != 0 ? v : v - (instret + 1);
            case Csr.MINSTRET -> instretOffset = (countInhibit & 4) != 0 ? v : v - (instret + 1);
            case Csr.MCOUNTINHIBIT -> {
                long now = instret + 1;
                long changed = countInhibit ^ v;
                if ((changed & 1) != 0) {
                    cycleOffset += (v & 1) != 0 ? now : -now;
                }
                if ((changed & 4) != 0) {
                    instretOffset += (v & 4) != 0 ? now : -now;
                }
                countInhibit = v & 0xffff_fffdL;
            }
            default -> {
                if (csr >= Csr.PMPADDR0 && csr < Csr.PMPADDR0 + Pmp.ENTRIES) {
                    pmp.writeAddr(csr - Csr.PMPADDR0, v);
                    updatePmpFlags();
                }
            }
        }
    }

    // ---------------------------------------------------------------- state

    @Override
    public CpuState saveState() {
        return new CpuState(pc, Arrays.copyOf(x, 32), priv, MISA, mstatus, mie, lines.get(), mtvec,
                mscratch, mepc, mcause, mtval, mcounteren, scounteren, menvcfg, pmp.cfgBytes(), pmp.addrs(),
                cycles(), retired(), countInhibit, instret, wfiSleeping, resValid, resAddr, resValue, fpu.save());
    }

    /** Checks the register file, privilege, {@code misa} and the PMP arrays. */
    @Override
    public void validateState(CpuState s) {
        if (s.x() == null || s.x().length != 32 || s.x()[0] != 0) {
            throw new IllegalArgumentException("x must hold 32 registers with x0 == 0");
        }
        if (s.privilege() != PRIV_M && s.privilege() != PRIV_U) {
            throw new IllegalArgumentException("unsupported privilege " + s.privilege());
        }
        if (s.misa() != MISA) {
            throw new IllegalArgumentException(String.format("misa 0x%x is not this CPU's 0x%x", s.misa(), MISA));
        }
        if (s.pmpcfg() == null || s.pmpcfg().length != Pmp.ENTRIES || s.pmpaddr() == null
                || s.pmpaddr().length != Pmp.ENTRIES) {
            throw new IllegalArgumentException("pmp state must have " + Pmp.ENTRIES + " entries");
        }
        Fpu.validate(s.fp());
    }

    @Override
    public void restoreState(CpuState s) {
        System.arraycopy(s.x(), 0, x, 0, 32);
        pc = s.pc();
        priv = s.privilege();
        mstatus = (s.mstatus() & MSTATUS_WRITABLE) | MSTATUS_UXL;
        mie = s.mie() & MIE_WRITABLE;
        lines.set(s.mipLevels());
        mtvec = s.mtvec();
        mscratch = s.mscratch();
        mepc = s.mepc();
        mcause = s.mcause();
        mtval = s.mtval();
        mcounteren = s.mcounteren();
        scounteren = s.scounteren();
        menvcfg = s.menvcfg();
        pmp.restore(s.pmpcfg(), s.pmpaddr());
        instret = s.instret();
        countInhibit = s.mcountinhibit() & 0xffff_fffdL;
        cycleOffset = (countInhibit & 1) != 0 ? s.mcycle() : s.mcycle() - instret;
        instretOffset = (countInhibit & 4) != 0 ? s.minstret() : s.minstret() - instret;
        wfiSleeping = s.wfiSleeping();
        resValid = s.reservationValid();
        resAddr = s.reservationAddress();
        resValue = s.reservationValue();
        fpu.restore(s.fp());
        updatePmpFlags();
        // Memory was restored as well, possibly under pages in granule mode that guest memory does not watch.
        flushCode();
    }

    /** Unwinds the interpreter after a trap has been entered. Preallocated, no stack trace. */
    private static final class TrapSignal extends RuntimeException {
        TrapSignal() {
            super(null, null, false, false);
        }
    }
}
