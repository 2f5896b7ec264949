package dev.ferry.machine.device;

import dev.ferry.machine.state.Snapshottable;
import java.util.Objects;

/**
 * The platform-level interrupt controller of QEMU's {@code virt} board for one hart, at {@code 0x0c00_0000}:
 * sources 1 to 95, context 0 (hart 0 M-mode, drives {@link InterruptSink#MEIP}) and context 1 (S-mode, drives
 * {@link InterruptSink#SEIP}). Registers: priority at {@code 4*id}, pending bits at {@code 0x1000}, enables at
 * {@code 0x2000 + 0x80*ctx}, threshold at {@code 0x20_0000 + 0x1000*ctx}, claim/complete 4 bytes above it.
 *
 * <p>Semantics follow QEMU 7.2's {@code sifive_plic}, verified with probes on QEMU: a source's input going
 * high latches its pending bit (going low does not clear it); a claim returns the enabled, pending, unclaimed
 * source with the highest priority strictly above the threshold (the lowest id on ties, 0 if none), clears its
 * pending bit and marks it claimed; a completion of any id below 96 clears the claimed mark, whether or not
 * the source is enabled; a source raised while claimed becomes pending again and is delivered after
 * completion. Priorities and thresholds keep the low 3 bits of the written value; pending bits are read-only;
 * enables keep all 32 bits; priority register 0 reads 0 and register 96 is writable but has no source (both
 * as on QEMU). Only aligned 4-byte accesses are accepted.
 *
 * <p>Deviation from QEMU 7.2: writing an enable register re-evaluates the outputs at once (QEMU waits for
 * the next priority, threshold, claim, completion or source event), which is what the PLIC specification asks.
 *
 * <p>Thread-safe: {@link #setSourceLevel} may be called from any thread.
 */
public final class Plic implements MmioDevice, Snapshottable<PlicState> {

    /** Physical base address on the {@code virt} board. */
    public static final long BASE = 0x0c00_0000L;
    /** Size of the register window (QEMU reserves room for 512 harts). */
    public static final long SIZE = 0x60_0000;
    /** Number of source ids including the reserved id 0 ({@code VIRT_IRQCHIP_NUM_SOURCES} of QEMU 7.2). */
    public static final int SOURCES = 96;
    /** Number of priority registers QEMU 7.2 lets the guest write (ids 0 to 96; 0 stays 0). */
    public static final int PRIORITY_REGISTERS = SOURCES + 1;
    /** 32-bit words of pending, claimed and per-context enable bits. */
    public static final int WORDS = (SOURCES + 31) / 32;
    /** Number of contexts: hart 0 in M-mode, hart 0 in S-mode. */
    public static final int CONTEXTS = 2;
    /** Highest priority (and threshold) value: 3 priority bits. */
    public static final int MAX_PRIORITY = 7;

    /** PLIC source of the UART on the {@code virt} board. */
    public static final int UART0_IRQ = 10;

    static final int PENDING_BASE = 0x1000;
    static final int ENABLE_BASE = 0x2000;
    static final int ENABLE_STRIDE = 0x80;
    static final int CONTEXT_BASE = 0x20_0000;
    static final int CONTEXT_STRIDE = 0x1000;

    private static final int[] CONTEXT_MIP_BIT = {InterruptSink.MEIP, InterruptSink.SEIP};

    private final InterruptSink sink;
    private final int[] priority = new int[PRIORITY_REGISTERS];
    private final int[] pending = new int[WORDS];
    private final int[] claimed = new int[WORDS];
    private final int[] enable = new int[WORDS * CONTEXTS];
    private final int[] threshold = new int[CONTEXTS];
    private final boolean[] output = new boolean[CONTEXTS];

    /** A PLIC in its reset state that drives MEIP and SEIP on {@code sink}. */
    public Plic(InterruptSink sink) {
        this.sink = Objects.requireNonNull(sink);
        driveOutputs(true);
    }

    /**
     * Sets the level of input {@code irq} (1 to 95). A high level latches the pending bit, as QEMU 7.2 does;
     * devices therefore raise their line again whenever they re-evaluate a still-pending condition.
     */
    public synchronized void setSourceLevel(int irq, boolean level) {
        if (irq <= 0 || irq >= SOURCES) {
            throw new IllegalArgumentException("PLIC source " + irq + " does not exist (1 to " + (SOURCES - 1) + ")");
        }
        if (level) {
            pending[irq >>> 5] |= 1 << irq;
            driveOutputs(false);
        }
    }

    /** The input wire of source {@code irq}, to hand to a device. */
    public InterruptLine line(int irq) {
        if (irq <= 0 || irq >= SOURCES) {
            throw new IllegalArgumentException("PLIC source " + irq + " does not exist (1 to " + (SOURCES - 1) + ")");
        }
        return level -> setSourceLevel(irq, level);
    }

    /** True when source {@code irq} is pending. */
    public synchronized boolean isPending(int irq) {
        return (pending[irq >>> 5] & 1 << irq) != 0;
    }

    @Override
    public long size() {
        return SIZE;
    }

    @Override
    public boolean accepts(long offset, int width) {
        return width == 4 && (offset & 3) == 0;
    }

    @Override
    public synchronized long read(long offset, int width) {
        int off = (int) offset;
        if (off < PRIORITY_REGISTERS * 4) {
            return priority[off >>> 2];
        }
        if (off >= PENDING_BASE && off < PENDING_BASE + WORDS * 4) {
            return pending[(off - PENDING_BASE) >>> 2] & 0xffff_ffffL;
        }
        if (off >= ENABLE_BASE && off < ENABLE_BASE + CONTEXTS * ENABLE_STRIDE) {
            int ctx = (off - ENABLE_BASE) / ENABLE_STRIDE;
            int word = ((off - ENABLE_BASE) % ENABLE_STRIDE) >>> 2;
            return word < WORDS ? enable[ctx * WORDS + word] & 0xffff_ffffL : 0;
        }
        if (off >= CONTEXT_BASE && off < CONTEXT_BASE + CONTEXTS * CONTEXT_STRIDE) {
            int ctx = (off - CONTEXT_BASE) / CONTEXT_STRIDE;
            int reg = (off - CONTEXT_BASE) % CONTEXT_STRIDE;
            if (reg == 0) {
                return threshold[ctx];
            }
            if (reg == 4) {
                return claim(ctx);
            }
        }
        return 0;
    }

    @Override
    public synchronized void write(long offset, int width, long value) {
        int off = (int) offset;
        int v = (int) value;
        if (off < PRIORITY_REGISTERS * 4) {
            int id = off >>> 2;
            if (id != 0) {
                priority[id] = v & MAX_PRIORITY;
                driveOutputs(false);
            }
        } else if (off >= ENABLE_BASE && off < ENABLE_BASE + CONTEXTS * ENABLE_STRIDE) {
            int ctx = (off - ENABLE_BASE) / ENABLE_STRIDE;
            int word = ((off - ENABLE_BASE) % ENABLE_STRIDE) >>> 2;
            if (word < WORDS) {
                enable[ctx * WORDS + word] = v;
                driveOutputs(false);
            }
        } else if (off >= CONTEXT_BASE && off < CONTEXT_BASE + CONTEXTS * CONTEXT_STRIDE) {
            int ctx = (off - CONTEXT_BASE) / CONTEXT_STRIDE;
            int reg = (off - CONTEXT_BASE) % CONTEXT_STRIDE;
            if (reg == 0) {
                threshold[ctx] = v & MAX_PRIORITY;
                driveOutputs(false);
            } else if (reg == 4 && Integer.compareUnsigned(v, SOURCES) < 0) {
                claimed[v >>> 5] &= ~(1 << v);
                driveOutputs(false);
            }
        }
    }

    /** The id a claim by {@code ctx} would return now, without claiming it; 0 if none. */
    private int best(int ctx) {
        int bestId = 0;
        int bestPriority = threshold[ctx];
        for (int w = 0; w < WORDS; w++) {
            int bits = pending[w] & ~claimed[w] & enable[ctx * WORDS + w];
            while (bits != 0) {
                int id = (w << 5) + Integer.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (priority[id] > bestPriority) {
                    bestId = id;
                    bestPriority = priority[id];
                }
            }
        }
        return bestId;
    }

    private int claim(int ctx) {
        int id = best(ctx);
        if (id != 0) {
            pending[id >>> 5] &= ~(1 << id);
            claimed[id >>> 5] |= 1 << id;
        }
        driveOutputs(false);
        return id;
    }

    private void driveOutputs(boolean force) {
        for (int ctx = 0; ctx < CONTEXTS; ctx++) {
            boolean level = best(ctx) != 0;
            if (force || level != output[ctx]) {
                output[ctx] = level;
                sink.setInterruptLevel(CONTEXT_MIP_BIT[ctx], level);
            }
        }
    }

    @Override
    public synchronized PlicState saveState() {
        return new PlicState(priority.clone(), pending.clone(), claimed.clone(), enable.clone(), threshold.clone());
    }

    /** Checks array lengths, that source 0 has priority 0 and is not pending, and every priority and threshold. */
    @Override
    public void validateState(PlicState state) {
        checkLength("priority", state.priority(), PRIORITY_REGISTERS);
        checkLength("pending", state.pending(), WORDS);
        checkLength("claimed", state.claimed(), WORDS);
        checkLength("enable", state.enable(), WORDS * CONTEXTS);
        checkLength("threshold", state.threshold(), CONTEXTS);
        if (state.priority()[0] != 0) {
            throw new IllegalArgumentException("PLIC priority of source 0 must be 0");
        }
        for (int p : state.priority()) {
            checkPriority(p);
        }
        for (int t : state.threshold()) {
            checkPriority(t);
        }
        if ((state.pending()[0] & 1) != 0) {
            throw new IllegalArgumentException("PLIC source 0 cannot be pending");
        }
    }

    /** Restores all registers and drives MEIP and SEIP to the levels they imply. */
    @Override
    public synchronized void restoreState(PlicState state) {
        System.arraycopy(state.priority(), 0, priority, 0, PRIORITY_REGISTERS);
        System.arraycopy(state.pending(), 0, pending, 0, WORDS);
        System.arraycopy(state.claimed(), 0, claimed, 0, WORDS);
        System.arraycopy(state.enable(), 0, enable, 0, WORDS * CONTEXTS);
        System.arraycopy(state.threshold(), 0, threshold, 0, CONTEXTS);
        driveOutputs(true);
    }

    private static void checkLength(String what, int[] array, int length) {
        if (array == null || array.length != length) {
            throw new IllegalArgumentException("PLIC " + what + " must have " + length + " entries");
        }
    }

    private static void checkPriority(int p) {
        if (p < 0 || p > MAX_PRIORITY) {
            throw new IllegalArgumentException("PLIC priority/threshold " + p + " is outside 0.." + MAX_PRIORITY);
        }
    }
}
