package dev.ferry.machine.cpu;

import dev.ferry.machine.memory.GuestMemory;

/**
 * Hot guest code of one RAM page translated to JVM bytecode by {@link JitCompiler}: a head block plus the
 * blocks reachable from it in the same page, as one method with guest registers in JVM locals, so that guest
 * loops run as JVM loops that HotSpot compiles. Generated subclasses are hidden classes, unloaded once the
 * region is dropped. A region becomes {@link #valid false} when the code of one of its {@link #blocks} may have
 * changed (see {@link Jit}) or the code cache is flushed.
 */
abstract class CompiledRegion {

    /** Guest RAM, read by the generated code. */
    final GuestMemory ram;
    /** The page (index in RAM) whose code this region was compiled from. */
    final int page;
    /** False once the code it was compiled from may have changed; the region is never entered again. */
    boolean valid = true;
    /** The blocks it was compiled from; a store into one of them drops the region. Set once, after creation. */
    Block[] blocks = new Block[0];
    /**
     * True when the region was compiled for translated loads and stores (S/U mode with satp on): each access
     * then asks the data TLB for the physical address and leaves for the interpreter on a miss.
     */
    boolean translated;
    /** Address of the next guest instruction after {@link #run} returned. */
    long exitPc;

    CompiledRegion(GuestMemory ram, int page) {
        this.ram = ram;
        this.page = page;
    }

    /**
     * Runs guest code from the head block until an exit: a block that would not fit in the remaining budget, a
     * control transfer out of the region, an instruction the compiler leaves to the interpreter, an access
     * outside RAM, or a store to a page holding code. Registers in {@code x} and {@link #exitPc} are exact at the
     * exit. Pending events are not checked inside: the caller keeps {@code budget} close enough to see them soon.
     *
     * @param instret the tick count at entry
     * @param budget the tick count at which execution must stop
     * @return the tick count at the exit
     */
    abstract long run(Cpu cpu, long[] x, long instret, long budget);

    // Helpers called by the generated code (RISC-V semantics for division by zero and overflow).

    static long mulhsu(long a, long b) {
        return Math.multiplyHigh(a, b) + (b < 0 ? a : 0);
    }

    static long div(long a, long b) {
        return b == 0 ? -1 : a / b;
    }

    static long divu(long a, long b) {
        return b == 0 ? -1 : Long.divideUnsigned(a, b);
    }

    static long rem(long a, long b) {
        return b == 0 ? a : a % b;
    }

    static long remu(long a, long b) {
        return b == 0 ? a : Long.remainderUnsigned(a, b);
    }

    static long divw(long a, long b) {
        int x = (int) a;
        int y = (int) b;
        return y == 0 ? -1 : x / y;
    }

    static long divuw(long a, long b) {
        int x = (int) a;
        int y = (int) b;
        return y == 0 ? -1 : Integer.divideUnsigned(x, y);
    }

    static long remw(long a, long b) {
        int x = (int) a;
        int y = (int) b;
        return y == 0 ? x : x % y;
    }

    static long remuw(long a, long b) {
        int x = (int) a;
        int y = (int) b;
        return y == 0 ? x : Integer.remainderUnsigned(x, y);
    }
}
