package dev.ferry.machine.cpu;

import dev.ferry.machine.device.InterruptSink;
import dev.ferry.machine.device.SystemBus;
import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.machine.state.Snapshottable;
import dev.ferry.machine.time.GuestClock;
import dev.ferry.machine.time.RealTimeClock;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * One RV64IMAFDC hart with Zicsr, Zifencei and Zicntr, in M, S and U mode with Sv39 (also Sv48/Sv57) paging,
 * behaving like QEMU 7.2's {@code virt} CPU with {@code -cpu rv64,h=false,sstc=false} where guests can tell.
 * {@code misa} reports what is implemented: MXL=64, A, C, D, F, I, M, S, U. The F and D extensions live in
 * {@link Fpu}, gated and tracked by {@code mstatus.FS}. The privileged state (CSRs, delegation,
 * trap entry, xRET, interrupt choice) is in {@link Csrs}, address translation and the software TLB in
 * {@link Mmu}. Where QEMU 7.2 differs from the specification we follow QEMU, as checked on it: WFI in U mode is
 * illegal even with TW=0, mret to U or S is illegal while no PMP entry is active, misaligned LR/SC/AMOs raise
 * cause 4, SC and AMOs translate as a load then a store, SC succeeds when memory still holds the value LR
 * read, ordinary misaligned loads and stores are performed (across pages too, translating both), ebreak
 * leaves {@code mtval} 0, {@code pmpaddr}, {@code mepc} and {@code mcounteren} keep all written bits, the 16
 * programmable counters keep what is written, counter access needs the {@code mcounteren} bit in S mode and
 * both {@code mcounteren} and {@code scounteren} bits in U mode, and the lowest-numbered pending interrupt is
 * taken first. There is no Sstc: the supervisor timer comes from M mode writing {@code mip.STIP}.
 *
 * <p>Code runs from a cache of decoded blocks found by physical address (after the fetch TLB under
 * translation; a block is reused only for the virtual address it was decoded at) and chained to their
 * successors. The cache is coherent with guest memory at every instruction (see {@link CodePage}), so
 * execution never depends on what it holds; {@code satp} writes and {@code sfence.vma} cut the chains of
 * blocks found under translation.
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
    /** Supervisor privilege level. */
    public static final int PRIV_S = 1;
    /** Machine privilege level. */
    public static final int PRIV_M = 3;

    /** MXL=2 (64-bit) with extensions A, C, D, F, I, M, S, U. */
    public static final long MISA = (2L << 62) | 1 | 1 << 2 | 1 << 3 | 1 << 5 | 1 << 8 | 1 << 12 | 1 << 18 | 1 << 20;

    /**
     * The ISA string for the device tree's {@code riscv,isa}, as QEMU 7.2 writes it for a CPU with these
     * extensions: the letters of {@link #MISA} in canonical order, then Zicsr, Zifencei and Zihintpause (whose
     * {@code pause} is a fence hint, executed as a fence).
     */
    public static final String ISA_STRING = isaString(MISA) + "_zicsr_zifencei_zihintpause";

    /**
     * The {@code qemu-system-riscv64 -cpu} value with exactly this hart's extensions (QEMU 7.2's rv64 adds H, Sstc
     * and the bit-manipulation extensions by default): the peer for differential tests and benchmarks.
     */
    public static final String QEMU_CPU = "rv64,h=false,sstc=false,zba=false,zbb=false,zbc=false,zbs=false";

    /** The device tree's {@code mmu-type}, as QEMU 7.2's virt board writes it (Sv39, Sv48 and Sv57 all work). */
    public static final String MMU_TYPE = "riscv,sv48";

    static final long INTERRUPT = 1L << 63;
    private static final long SEIP_BIT = 1L << SEIP;

    static final int CAUSE_FETCH_ACCESS = 1;
    static final int CAUSE_ILLEGAL = 2;
    static final int CAUSE_BREAKPOINT = 3;
    static final int CAUSE_LOAD_MISALIGNED = 4;
    static final int CAUSE_LOAD_ACCESS = 5;
    static final int CAUSE_STORE_ACCESS = 7;
    static final int CAUSE_ECALL_U = 8;
    static final int CAUSE_ECALL_S = 9;
    static final int CAUSE_ECALL_M = 11;
    static final int CAUSE_FETCH_PAGE = 12;
    static final int CAUSE_LOAD_PAGE = 13;
    static final int CAUSE_STORE_PAGE = 15;

    /** Instructions between clock polls in real-time mode (well under a millisecond). */
    private static final long REALTIME_SLICE = 1 << 16;
    /** Most ticks compiled code runs before returning to check for events (stop requests, interrupt lines). */
    private static final long JIT_SLICE = 1 << 16;

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
    private long instret;

    private final Pmp pmp = new Pmp();
    private final Mmu mmu;
    private final Csrs csrs;
    /** F and D registers and fcsr. */
    private final Fpu fpu = new Fpu();

    /** Loads and stores may use the inline RAM path: no translation, and PMP allows all of RAM. */
    private boolean dataFast;
    /** PMP allows every fetch from RAM at the current privilege. */
    private boolean fetchFast;
    /** PMP allows loads and stores to all of RAM at the data privilege (translation aside). */
    private boolean pmpDataUniform;
    /** Loads and stores go through the MMU (S/U data privilege with satp on). */
    private boolean dataTranslate;
    /** Fetches go through the MMU (S or U with satp on). */
    private boolean fetchTranslate;
    /** PMP uniformity over RAM per privilege, for loads/stores and fetches, valid for PMP {@link #pmpUniformFor}. */
    private final boolean[] pmpUniformData = new boolean[4];
    private final boolean[] pmpUniformFetch = new boolean[4];
    private int pmpUniformFor = -1;
    /**
     * Set by {@link #system}: false when the instruction changed nothing the run loop must look at (no
     * interrupt became takeable, no privilege, translation or PMP change), so execution may go on in place.
     */
    private boolean systemExit;
    /** Whether satp was on when the code cache last adapted to it (see {@link #privilegedStateChanged}). */
    private boolean translationOn;
    /** Blocks looked up while satp is on, whose successor links a change of fetch context must cut. */
    private final ArrayList<Block> trackedBlocks = new ArrayList<>();
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
        this.mmu = new Mmu(ram, pmp, (a, v) -> physWrite(a, 8, v, a));
        this.csrs = new Csrs(this, pmp, mmu);
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
        instret = 0;
        csrs.reset();
        mmu.restoreSatp(0);
        translationOn = false;
        pmp.reset();
        fpu.reset();
        wfiSleeping = false;
        resValid = false;
        updateAccessFlags();
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

    /** Current privilege level: {@link #PRIV_M}, {@link #PRIV_S} or {@link #PRIV_U}. */
    public int privilege() {
        return csrs.priv;
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
                long mip = mip();
                if (wfiSleeping) {
                    if ((mip & csrs.mie) == 0) {
                        sleep(instretLimit);
                        continue;
                    }
                    wfiSleeping = false;
                }
                long irq = csrs.interruptToTake(mip);
                if (irq != 0) {
                    enterTrap(irq, 0);
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
        boolean timerWakes = timerCompare != null && (csrs.mie & 1L << MTIP) != 0;
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

    /** The mip register: device lines, the timer comparison and the bits software wrote. */
    long mip() {
        long p = lines.get() | csrs.mipSoft;
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
        final boolean checkFetch = !fetchFast && !fetchTranslate;
        breakBlock = false;
        Block b = lookup(pc);
        final long[] granules = codeGranules;
        final boolean jitOk = jit != null && (dataTranslate ? fetchTranslate : pmpDataUniform && fetchFast);
        // The tick count and pc live in locals while blocks chain; sync() and the exits write them back.
        long ticks = instret;
        while (true) {
            if (jitOk) {
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
                        exit = systemExit;
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
            long p = b.phys + b.offs[j];
            if (!pmp.check(p, b.offs[j + 1] - b.offs[j], Pmp.X, csrs.priv)) {
                if (j == 0) {
                    sync(b, 0, start);
                    throw exception(CAUSE_FETCH_ACCESS, b.pc);
                }
                return j;
            }
        }
        return n;
    }

    // ---------------------------------------------------------------- code cache

    /**
     * The block at virtual address {@code addr} for the current privilege: translated through the fetch TLB when
     * translation is on (a page fault or access fault is raised here), then found by physical address. A cached
     * block is used only if it was decoded for the same virtual address.
     */
    private Block lookup(long addr) {
        long phys = addr;
        if (fetchTranslate) {
            phys = mmu.translate(addr, Mmu.FETCH, csrs.priv, false, false);
            if (phys < 0) {
                throw exception(phys == Mmu.PAGE_FAULT ? CAUSE_FETCH_PAGE : CAUSE_FETCH_ACCESS, addr);
            }
            // PMP is checked per page here (a page PMP splits is checked at the block's first instruction only)
            if (!mmu.pmpChecked && !pmp.check(phys, 2, Pmp.X, csrs.priv)) {
                throw exception(CAUSE_FETCH_ACCESS, addr);
            }
        }
        long off = phys - ramBase;
        if (Long.compareUnsigned(off, ramSize - 2) > 0) {
            throw exception(CAUSE_FETCH_ACCESS, addr);
        }
        if (fetchTranslate && (addr & GuestMemory.PAGE_MASK) == GuestMemory.PAGE_MASK - 1
                && (ram.load16(phys) & 3) == 3) {
            return crossingBlock(addr, phys);
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
        if (b != null && (b.pc != addr || b.translated != fetchTranslate)) {
            b.valid = false;
            b = null;
        }
        if (b != null && !b.valid && matches(b)) {
            b.valid = true;
        }
        if (b == null || !b.valid) {
            b = phys == addr ? decoder.decode(addr) : decoder.decode(addr, phys, -1);
            b.translated = fetchTranslate;
            cp.put(index, b);
            if (cp.granuleMode) {
                publishGranules(page, b.granules);
            }
        }
        if (translationOn && !b.tracked) {
            b.tracked = true;
            trackedBlocks.add(b);
        }
        return b;
    }

    /**
     * A 32-bit instruction whose second half is on the next virtual page: decoded on every execution from both
     * translations, never cached nor linked (it is born invalid, so no block chains to it).
     */
    private Block crossingBlock(long addr, long phys) {
        long second = addr + 2;
        long next = mmu.translate(second, Mmu.FETCH, csrs.priv, false, false);
        if (next < 0) {
            throw exception(next == Mmu.PAGE_FAULT ? CAUSE_FETCH_PAGE : CAUSE_FETCH_ACCESS, second);
        }
        Block b = decoder.decode(addr, phys, next);
        b.valid = false;
        return b;
    }

    /** Cuts the successor links of every tracked block: the fetch context (privilege, mappings) changed. */
    private void unlinkTracked() {
        for (Block b : trackedBlocks) {
            b.fallNext = null;
            b.takenPc = -1;
            b.takenNext = null;
            b.otherPc = -1;
            b.otherNext = null;
            b.tracked = false;
        }
        trackedBlocks.clear();
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
            if (jit != null) {
                jit.blocksWritten(page);
            }
        }
    }

    /** True when memory still holds the code {@code b} was decoded from. */
    private boolean matches(Block b) {
        char[] source = b.source;
        long p = b.phys;
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
        unlinkTracked();
    }

    // ---------------------------------------------------------------- JIT hooks

    /**
     * Runs compiled code from {@code b} while there is some and it makes progress. Returns the block the
     * interpreter runs next, or {@code null} when execute must return to the run loop; pc and instret are exact.
     */
    private Block jitRun(Block b, long budget) {
        while (true) {
            CompiledRegion r = jit.regionFor(b, dataTranslate);
            if (r == null || budget - instret < b.len) {
                return b;
            }
            long start = instret;
            // Compiled loops do not poll for events; a bounded run lets this loop see them.
            long slice = budget - start > JIT_SLICE ? start + JIT_SLICE : budget;
            instret = r.run(this, x, start, slice);
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

    /**
     * For compiled code under translation: the physical address of a load ({@code kind} {@link Mmu#READ}) or
     * store ({@link Mmu#WRITE}) of {@code width} bytes at {@code va} as the data TLB has it, or -1 when the
     * access needs the interpreter (TLB miss, page crossing), which then walks, faults or splits it.
     */
    long jitTranslate(long va, int width, int kind) {
        if (crossesPage(va, width)) {
            return -1;
        }
        long s = csrs.mstatus;
        return mmu.lookup(va, kind, csrs.dataPriv(), (s & Csrs.MSTATUS_SUM) != 0, (s & Csrs.MSTATUS_MXR) != 0);
    }

    /** Number of regions the JIT compiled, or -1 when it is off (for tests). */
    int jitCompiledCount() {
        return jit == null ? -1 : jit.compiledCount();
    }

    /** The decoded code of the RAM page holding {@code addr}, or {@code null} (for tests). */
    CodePage codePageForTest(long addr) {
        return code[ram.pageIndex(addr)];
    }

    /** Number of compiled regions of the RAM page holding {@code addr} that may still run (for tests). */
    int jitLiveRegions(long addr) {
        return jit == null ? 0 : jit.liveRegions(ram.pageIndex(addr));
    }

    // ---------------------------------------------------------------- memory slow paths

    /**
     * Recomputes the flags the fast paths test, after a change of privilege, mstatus, PMP or satp; and adapts the
     * code cache when satp changed: turning translation on or off drops all decoded code (blocks decoded at
     * physical addresses would be found by virtual ones), a new mapping cuts the links of tracked blocks.
     *
     * @param translationChanged true when satp changed or sfence.vma ran
     */
    void privilegedStateChanged(boolean translationChanged) {
        boolean on = mmu.enabled();
        if (on != translationOn) {
            translationOn = on;
            flushCode();
        } else if (translationChanged) {
            unlinkTracked();
        }
        updateAccessFlags();
    }

    private void updateAccessFlags() {
        int dataPriv = csrs.dataPriv();
        int priv = csrs.priv;
        boolean on = mmu.enabled();
        if (pmpUniformFor != pmp.version()) {
            for (int p = 0; p < 4; p++) {
                pmpUniformData[p] = pmp.uniform(ramBase, ramSize, Pmp.R | Pmp.W, p);
                pmpUniformFetch[p] = pmp.uniform(ramBase, ramSize, Pmp.X, p);
            }
            pmpUniformFor = pmp.version();
        }
        dataTranslate = on && dataPriv != PRIV_M;
        fetchTranslate = on && priv != PRIV_M;
        pmpDataUniform = pmpUniformData[dataPriv];
        dataFast = pmpDataUniform && !dataTranslate;
        fetchFast = pmpUniformFetch[priv];
    }

    /** The flags {@link #execute} reads once per call, packed, to tell whether a system instruction changed them. */
    private int accessFlags() {
        return (dataFast ? 1 : 0) | (fetchFast ? 2 : 0) | (pmpDataUniform ? 4 : 0) | (dataTranslate ? 8 : 0)
                | (fetchTranslate ? 16 : 0);
    }

    /**
     * Privilege changed by a trap or xRET. Links need not be cut: translated and untranslated blocks are kept
     * apart ({@link Block#translated}), and under Sv39 a page is executable by S or by U, never both.
     */
    private void privilegeChanged(int old) {
        updateAccessFlags();
    }

    private long loadSlow(long a, int width, Block b, int i, long start) {
        sync(b, i, start);
        return load(a, width);
    }

    private void storeSlow(long a, int width, long v, Block b, int i, long start) {
        sync(b, i, start);
        store(a, width, v);
    }

    /** The physical address of data address {@code a}, or the page/access fault for it. */
    private long translateData(long a, int kind) {
        long s = csrs.mstatus;
        long pa = mmu.translate(a, kind, csrs.dataPriv(), (s & Csrs.MSTATUS_SUM) != 0, (s & Csrs.MSTATUS_MXR) != 0);
        if (pa < 0) {
            boolean page = pa == Mmu.PAGE_FAULT;
            throw exception(kind == Mmu.READ ? (page ? CAUSE_LOAD_PAGE : CAUSE_LOAD_ACCESS)
                    : (page ? CAUSE_STORE_PAGE : CAUSE_STORE_ACCESS), a);
        }
        return pa;
    }

    private static boolean crossesPage(long a, int width) {
        return (a & GuestMemory.PAGE_MASK) + width > GuestMemory.PAGE_SIZE;
    }

    /** A load of the current instruction (pc exact), zero-extended: translation, PMP, then RAM or MMIO. */
    private long load(long a, int width) {
        long pa = a;
        if (dataTranslate) {
            if (crossesPage(a, width)) {
                return loadCrossing(a, width);
            }
            pa = translateData(a, Mmu.READ);
            if (mmu.pmpChecked && ram.contains(pa, width)) {
                return ram.load(pa, width);
            }
        }
        if (!(pmpDataUniform && ram.contains(pa, width)) && !pmp.check(pa, width, Pmp.R, csrs.dataPriv())) {
            throw exception(CAUSE_LOAD_ACCESS, a);
        }
        return physRead(pa, width, CAUSE_LOAD_ACCESS, a);
    }

    /**
     * A translated load whose bytes lie on two virtual pages: both are translated first (a fault on the second
     * reports the second page's first address, as QEMU does), then the bytes are read from both frames.
     */
    private long loadCrossing(long a, int width) {
        long second = (a | GuestMemory.PAGE_MASK) + 1;
        int first = (int) (second - a);
        long pa1 = translateData(a, Mmu.READ);
        long pa2 = translateData(second, Mmu.READ);
        int dataPriv = csrs.dataPriv();
        if (!pmp.check(pa1, first, Pmp.R, dataPriv)) {
            throw exception(CAUSE_LOAD_ACCESS, a);
        }
        if (!pmp.check(pa2, width - first, Pmp.R, dataPriv)) {
            throw exception(CAUSE_LOAD_ACCESS, second);
        }
        long v = 0;
        for (int k = 0; k < width; k++) {
            long byteAddr = k < first ? pa1 + k : pa2 + (k - first);
            v |= physRead(byteAddr, 1, CAUSE_LOAD_ACCESS, k < first ? a : second) << (8 * k);
        }
        return v;
    }

    /** A store of the current instruction (pc exact): translation, PMP, then RAM or MMIO. */
    private void store(long a, int width, long v) {
        long pa = a;
        if (dataTranslate) {
            if (crossesPage(a, width)) {
                storeCrossing(a, width, v);
                return;
            }
            pa = translateData(a, Mmu.WRITE);
            if (mmu.pmpChecked && ram.contains(pa, width)) {
                physWrite(pa, width, v, a);
                return;
            }
        }
        if (!(pmpDataUniform && ram.contains(pa, width)) && !pmp.check(pa, width, Pmp.W, csrs.dataPriv())) {
            throw exception(CAUSE_STORE_ACCESS, a);
        }
        physWrite(pa, width, v, a);
    }

    /** Like {@link #loadCrossing}: nothing is written unless both pages can be. */
    private void storeCrossing(long a, int width, long v) {
        long second = (a | GuestMemory.PAGE_MASK) + 1;
        int first = (int) (second - a);
        long pa1 = translateData(a, Mmu.WRITE);
        long pa2 = translateData(second, Mmu.WRITE);
        int dataPriv = csrs.dataPriv();
        if (!pmp.check(pa1, first, Pmp.W, dataPriv)) {
            throw exception(CAUSE_STORE_ACCESS, a);
        }
        if (!pmp.check(pa2, width - first, Pmp.W, dataPriv)) {
            throw exception(CAUSE_STORE_ACCESS, second);
        }
        if (!ram.contains(pa1, first) || !ram.contains(pa2, width - first)) {
            throw exception(CAUSE_STORE_ACCESS, ram.contains(pa1, first) ? second : a);
        }
        for (int k = 0; k < width; k++) {
            long byteAddr = k < first ? pa1 + k : pa2 + (k - first);
            physWrite(byteAddr, 1, v >>> (8 * k), k < first ? a : second);
        }
    }

    /** Reads RAM or MMIO at physical {@code a}, zero-extended; an address nobody answers raises {@code cause}. */
    private long physRead(long a, int width, int cause, long tval) {
        if (ram.contains(a, width)) {
            return ram.load(a, width);
        }
        try {
            long v = bus.read(a, width);
            breakBlock = true;
            return v;
        } catch (SystemBus.BusError e) {
            throw exception(cause, tval);
        }
    }

    private void physWrite(long a, int width, long v, long tval) {
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
            throw exception(CAUSE_STORE_ACCESS, tval);
        }
    }

    private static long signExtend(long v, int width) {
        return width == 4 ? (int) v : v;
    }

    /**
     * Physical address of an aligned AMO/LR/SC operand, after translation and the PMP check. QEMU 7.2 runs one
     * hart's atomics as a load then a store, so SC and AMOs translate for reading first (fault 13), then for
     * writing (fault 15).
     */
    private long amoAddress(long a, int width, int kind, int perm, int accessCause) {
        long pa = a;
        if (dataTranslate) {
            pa = translateData(a, Mmu.READ);
            if (kind == Mmu.WRITE) {
                pa = translateData(a, Mmu.WRITE);
            }
        }
        if (!pmp.check(pa, width, perm, csrs.dataPriv())) {
            throw exception(accessCause, a);
        }
        return pa;
    }

    /**
     * LR/SC and AMOs. As in QEMU 7.2 (checked on it): every misaligned LR, SC and AMO raises
     * load-address-misaligned (4), not the store/AMO cause the specification asks for; SC fails
     * without touching memory unless it matches the reservation, and then succeeds only if memory still holds
     * the value LR read; a trap drops the reservation. SC and AMOs translate as stores (fault 15).
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
            long pa = amoAddress(a, width, Mmu.READ, Pmp.R, CAUSE_LOAD_ACCESS);
            result = signExtend(physRead(pa, width, CAUSE_LOAD_ACCESS, a), width);
            resValid = true;
            resAddr = a;
            resValue = result;
        } else if (f5 == 3) {
            result = 1;
            if (resValid && resAddr == a) {
                if ((a & (width - 1)) != 0) {
                    throw exception(CAUSE_LOAD_MISALIGNED, a);
                }
                long pa = amoAddress(a, width, Mmu.WRITE, Pmp.R | Pmp.W, CAUSE_STORE_ACCESS);
                long mask = width == 8 ? -1L : 0xffff_ffffL;
                long current = physRead(pa, width, CAUSE_STORE_ACCESS, a);
                if ((current & mask) == (resValue & mask)) {
                    physWrite(pa, width, src, a);
                    result = 0;
                }
            }
            resValid = false;
        } else {
            if ((a & (width - 1)) != 0) {
                throw exception(CAUSE_LOAD_MISALIGNED, a);
            }
            long pa = amoAddress(a, width, Mmu.WRITE, Pmp.R | Pmp.W, CAUSE_STORE_ACCESS);
            long old = signExtend(physRead(pa, width, CAUSE_LOAD_ACCESS, a), width);
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
            physWrite(pa, width, v, a);
            result = old;
        }
        if (rd != 0) {
            x[rd] = result;
        }
    }

    // ---------------------------------------------------------------- F and D extensions (see Fpu)

    /** Runs one F/D instruction: illegal while mstatus.FS is Off; a register write makes FS Dirty. */
    private void fp(long code) {
        int r = (csrs.mstatus & Csrs.MSTATUS_FS) == 0 ? Fpu.ILLEGAL : fpu.execute(code, x, fpMemory);
        if (r == Fpu.ILLEGAL) {
            throw exception(CAUSE_ILLEGAL, Fpu.tval(code));
        }
        if (r == Fpu.DIRTY) {
            markFpDirty();
        }
    }

    private final Fpu.Memory fpMemory = new Fpu.Memory() {
        @Override
        public long load(long a, int width) {
            return Cpu.this.load(a, width);
        }

        @Override
        public void store(long a, int width, long v) {
            Cpu.this.store(a, width, v);
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
     * access cannot fault; FP loads and stores through the MMU (which may fault) are left to the interpreter.
     */
    long jitFp(long code, long rs1Value) {
        jitFpStatus = 1;
        if ((csrs.mstatus & Csrs.MSTATUS_FS) == 0) {
            return 0;
        }
        int raw = (int) code;
        int width = Fpu.accessWidth(raw);
        if (width != 0 && (dataTranslate || !ram.contains(Fpu.accessAddress(raw, rs1Value), width))) {
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
            markFpDirty();
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
        if ((csrs.mstatus & Csrs.MSTATUS_FS) == 0) {
            throw illegal(raw);
        }
        return csr == Csr.FFLAGS ? fpu.fflags() : csr == Csr.FRM ? fpu.frm() : fpu.fcsr();
    }

    private void fpCsrWrite(int csr, long v) {
        markFpDirty();
        switch (csr) {
            case Csr.FFLAGS -> fpu.setFflags(v);
            case Csr.FRM -> fpu.setFrm(v);
            default -> fpu.setFcsr(v);
        }
    }

    private void markFpDirty() {
        csrs.mstatus = Csrs.withSd(csrs.mstatus | Csrs.MSTATUS_FS);
    }

    // ---------------------------------------------------------------- traps and system instructions

    /** Enters the trap handler for the instruction at {@link #pc}; returns the signal to throw. */
    private TrapSignal exception(long cause, long tval) {
        enterTrap(cause, tval);
        return TRAP;
    }

    private void enterTrap(long cause, long tval) {
        int old = csrs.priv;
        pc = csrs.trap(cause, tval, pc);
        resValid = false;
        wfiSleeping = false;
        privilegeChanged(old);
    }

    private TrapSignal illegal(int raw) {
        return exception(CAUSE_ILLEGAL, raw & 0xffff_ffffL);
    }

    /** Executes ecall, ebreak, xRET, wfi, sfence.vma, fence.i and the CSR instructions; returns the next pc. */
    private long system(int raw, long nextPc) {
        systemExit = true;
        if ((raw & 0x7f) == 0x0f) {
            flushCode();
            return nextPc;
        }
        int f3 = (raw >>> 12) & 7;
        if (f3 != 0) {
            return csrInstruction(raw, f3, nextPc);
        }
        int priv = csrs.priv;
        if ((raw & 0xfe00_7fff) == 0x1200_0073) {
            // sfence.vma: illegal in U mode, and in S mode while mstatus.TVM is set
            if (priv == PRIV_U || (priv == PRIV_S && (csrs.mstatus & Csrs.MSTATUS_TVM) != 0)) {
                throw illegal(raw);
            }
            mmu.flush();
            privilegedStateChanged(true);
            return nextPc;
        }
        switch (raw) {
            case 0x0000_0073 -> throw exception(priv == PRIV_U ? CAUSE_ECALL_U
                    : priv == PRIV_S ? CAUSE_ECALL_S : CAUSE_ECALL_M, 0);
            case 0x0010_0073 -> throw exception(CAUSE_BREAKPOINT, 0);
            case 0x3020_0073 -> {
                // QEMU 7.2 refuses to leave M mode while no PMP entry is active.
                if (priv != PRIV_M || (((csrs.mstatus >>> 11) & 3) != PRIV_M && pmp.activeRules() == 0)) {
                    throw illegal(raw);
                }
                long target = csrs.mret();
                privilegeChanged(priv);
                return target;
            }
            case 0x1020_0073 -> {
                if (priv == PRIV_U || (priv == PRIV_S && (csrs.mstatus & Csrs.MSTATUS_TSR) != 0)) {
                    throw illegal(raw);
                }
                long target = csrs.sret();
                privilegeChanged(priv);
                return target;
            }
            case 0x1050_0073 -> {
                // QEMU 7.2 rejects WFI in U mode regardless of mstatus.TW, and in S mode when TW is set.
                if (priv == PRIV_U || (priv == PRIV_S && (csrs.mstatus & Csrs.MSTATUS_TW) != 0)) {
                    throw illegal(raw);
                }
                wfiSleeping = true;
                return nextPc;
            }
            default -> throw illegal(raw);
        }
    }

    private long csrInstruction(int raw, int f3, long nextPc) {
        int csr = raw >>> 20;
        int rd = (raw >>> 7) & 31;
        int rs1 = (raw >>> 15) & 31;
        long src = f3 >= 5 ? rs1 : x[rs1];
        int kind = f3 & 3;
        boolean writes = kind == 1 || rs1 != 0;
        if (csr >= Csr.FFLAGS && csr <= Csr.FCSR) {
            long fpOld = fpCsrRead(csr, raw);
            if (writes) {
                fpCsrWrite(csr, kind == 1 ? src : kind == 2 ? fpOld | src : fpOld & ~src);
            }
            if (rd != 0) {
                x[rd] = fpOld;
            }
            return nextPc;
        }
        long old;
        try {
            csrs.checkAccess(csr, writes);
            old = csrs.read(csr);
            if (writes) {
                int flags = accessFlags();
                // mip.SEIP reads as the software bit OR the PLIC's line, but csrrs/csrrc modify the software bit
                long base = csr == Csr.MIP ? (old & ~SEIP_BIT) | (csrs.mipSoft & SEIP_BIT) : old;
                csrs.write(csr, kind == 1 ? src : kind == 2 ? base | src : base & ~src);
                systemExit = flags != accessFlags() || csrs.interruptToTake(mip()) != 0 || wfiSleeping;
            } else {
                systemExit = false;
            }
        } catch (Csrs.IllegalAccess e) {
            throw illegal(raw);
        }
        if (rd != 0) {
            x[rd] = old;
        }
        return nextPc;
    }

    // ---------------------------------------------------------------- state

    @Override
    public CpuState saveState() {
        Csrs c = csrs;
        return new CpuState(pc, Arrays.copyOf(x, 32), c.priv, MISA, c.mstatus, c.mie, lines.get(), c.mtvec,
                c.mscratch, c.mepc, c.mcause, c.mtval, c.mcounteren, c.scounteren, c.menvcfg, pmp.cfgBytes(),
                pmp.addrs(), c.cycles(), c.retired(), c.countInhibit, instret, wfiSleeping, resValid, resAddr,
                resValue, new SupervisorState(c.medeleg, c.mideleg, c.mipSoft, c.stvec, c.sscratch, c.sepc,
                        c.scause, c.stval, mmu.satp(), c.senvcfg, c.hpmCounters.clone(), c.hpmEvents.clone(),
                        mmu.tlbTags(), mmu.tlbFrames()),
                fpu.save());
    }

    /** Checks the register file, privilege, {@code misa}, the PMP arrays and satp. */
    @Override
    public void validateState(CpuState s) {
        if (s.x() == null || s.x().length != 32 || s.x()[0] != 0) {
            throw new IllegalArgumentException("x must hold 32 registers with x0 == 0");
        }
        if (s.privilege() != PRIV_M && s.privilege() != PRIV_S && s.privilege() != PRIV_U) {
            throw new IllegalArgumentException("unsupported privilege " + s.privilege());
        }
        if (s.misa() != MISA) {
            throw new IllegalArgumentException(String.format("misa 0x%x is not this CPU's 0x%x", s.misa(), MISA));
        }
        if (s.pmpcfg() == null || s.pmpcfg().length != Pmp.ENTRIES || s.pmpaddr() == null
                || s.pmpaddr().length != Pmp.ENTRIES) {
            throw new IllegalArgumentException("pmp state must have " + Pmp.ENTRIES + " entries");
        }
        if (s.supervisor() == null || !Mmu.validSatp(s.supervisor().satp())) {
            throw new IllegalArgumentException("satp must hold a supported translation mode");
        }
        if (s.supervisor().hpmCounters() == null || s.supervisor().hpmCounters().length != csrs.hpmCounters.length
                || s.supervisor().hpmEvents() == null || s.supervisor().hpmEvents().length != csrs.hpmEvents.length) {
            throw new IllegalArgumentException("hpm state must have " + csrs.hpmCounters.length + " counters and "
                    + csrs.hpmEvents.length + " events");
        }
        if (s.supervisor().tlbTags() == null || s.supervisor().tlbTags().length != Mmu.TLB_ENTRIES
                || s.supervisor().tlbFrames() == null || s.supervisor().tlbFrames().length != Mmu.TLB_ENTRIES) {
            throw new IllegalArgumentException("the TLB state must have " + Mmu.TLB_ENTRIES + " entries");
        }
        Fpu.validate(s.fp());
    }

    @Override
    public void restoreState(CpuState s) {
        Csrs c = csrs;
        SupervisorState sv = s.supervisor();
        System.arraycopy(s.x(), 0, x, 0, 32);
        pc = s.pc();
        c.priv = s.privilege();
        c.mstatus = Csrs.withSd((s.mstatus() & (Csrs.MSTATUS_WRITABLE | Csrs.MSTATUS_UXL | Csrs.MSTATUS_FS))
                | Csrs.MSTATUS_SXL & Csrs.MSTATUS_RESET);
        c.mie = s.mie() & Csrs.MIE_WRITABLE;
        lines.set(s.mipLevels());
        c.mtvec = s.mtvec();
        c.mscratch = s.mscratch();
        c.mepc = s.mepc();
        c.mcause = s.mcause();
        c.mtval = s.mtval();
        c.mcounteren = s.mcounteren();
        c.scounteren = s.scounteren();
        c.menvcfg = s.menvcfg() & Csrs.MENVCFG_WRITABLE;
        c.medeleg = sv.medeleg() & Csrs.MEDELEG_WRITABLE;
        c.mideleg = sv.mideleg() & Csrs.MIDELEG_WRITABLE;
        c.mipSoft = sv.mipSoftware() & Csrs.MIDELEG_WRITABLE;
        c.stvec = sv.stvec();
        c.sscratch = sv.sscratch();
        c.sepc = sv.sepc();
        c.scause = sv.scause();
        c.stval = sv.stval();
        c.senvcfg = sv.senvcfg() & Csrs.SENVCFG_WRITABLE;
        mmu.restoreSatp(sv.satp());
        mmu.restoreTlb(sv.tlbTags(), sv.tlbFrames());
        System.arraycopy(sv.hpmCounters(), 0, c.hpmCounters, 0, c.hpmCounters.length);
        System.arraycopy(sv.hpmEvents(), 0, c.hpmEvents, 0, c.hpmEvents.length);
        pmp.restore(s.pmpcfg(), s.pmpaddr());
        instret = s.instret();
        c.countInhibit = s.mcountinhibit();
        c.cycleOffset = (c.countInhibit & 1) != 0 ? s.mcycle() : s.mcycle() - instret;
        c.instretOffset = (c.countInhibit & 4) != 0 ? s.minstret() : s.minstret() - instret;
        wfiSleeping = s.wfiSleeping();
        resValid = s.reservationValid();
        resAddr = s.reservationAddress();
        resValue = s.reservationValue();
        fpu.restore(s.fp());
        translationOn = mmu.enabled();
        updateAccessFlags();
        // Memory was restored as well, possibly under pages in granule mode that guest memory does not watch.
        flushCode();
    }

    private static String isaString(long misa) {
        StringBuilder sb = new StringBuilder("rv64");
        // QEMU 7.2's order and set of single-letter extensions in riscv,isa (S and U are not listed)
        for (char c : "iemafdqcpvh".toCharArray()) {
            if ((misa >>> (c - 'a') & 1) != 0) {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Unwinds the interpreter after a trap has been entered. Preallocated, no stack trace. */
    private static final class TrapSignal extends RuntimeException {
        TrapSignal() {
            super(null, null, false, false);
        }
    }
}
