package dev.ferry.bench.memory;

import dev.ferry.machine.memory.DirtyLog;
import dev.ferry.machine.memory.GuestMemory;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Guest RAM load/store cost over a working set, with the dirty log off or on. With logging on the log is
 * harvested every {@code harvestEvery} operations, as a pre-copy round would, so the first store to each page
 * after a harvest takes the slow path again; the harvest itself is included in the figure.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
public class GuestMemoryBench {

    /** Accesses per benchmark invocation. */
    static final int BATCH = 1024;

    private static final long BASE = 0x8000_0000L;

    /** Working set in MiB; a power of two. */
    @Param("64")
    int workingSetMiB;

    /** {@code sequential}: consecutive 8-byte words; {@code random}: a random aligned word in a random page. */
    @Param({"sequential", "random"})
    String pattern;

    /** Whether dirty logging is on (and harvested periodically). */
    @Param({"false", "true"})
    boolean dirtyLog;

    /** Accesses between two dirty-log harvests; rounded up to a multiple of {@link #BATCH}. */
    @Param("1048576")
    int harvestEvery;

    private GuestMemory mem;
    private DirtyLog log;
    private long mask;
    private boolean random;
    private long cursor;
    private long seed;
    private int sinceHarvest;
    private long value;

    @Setup(Level.Trial)
    public void setUp() {
        long size = (long) workingSetMiB << 20;
        if (Long.bitCount(size) != 1) {
            throw new IllegalArgumentException("working set must be a power of two: " + workingSetMiB);
        }
        mem = new GuestMemory(BASE, size);
        for (long off = 0; off < size; off += GuestMemory.PAGE_SIZE) {
            mem.store64(BASE + off, off);
        }
        log = dirtyLog ? mem.claimDirtyLog("bench") : null;
        mask = (size - 1) & ~7L;
        random = switch (pattern) {
            case "sequential" -> false;
            case "random" -> true;
            default -> throw new IllegalArgumentException("pattern " + pattern);
        };
        seed = 0x9e37_79b9_7f4a_7c15L;
    }

    private long nextAddress() {
        if (random) {
            seed = seed * 6364136223846793005L + 1442695040888963407L;
            return BASE + ((seed >>> 24) & mask);
        }
        cursor = (cursor + 8) & mask;
        return BASE + cursor;
    }

    private void maybeHarvest() {
        sinceHarvest += BATCH;
        if (sinceHarvest >= harvestEvery) {
            sinceHarvest = 0;
            if (log != null) {
                log.harvest();
            }
        }
    }

    /** One 64-bit store. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void store64() {
        GuestMemory m = mem;
        long v = value;
        for (int i = 0; i < BATCH; i++) {
            m.store64(nextAddress(), v++);
        }
        value = v;
        maybeHarvest();
    }

    /** One 64-bit load. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long load64() {
        GuestMemory m = mem;
        long sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += m.load64(nextAddress());
        }
        maybeHarvest();
        return sum;
    }
}
