package dev.ferry.machine.cpu;

import dev.ferry.machine.memory.GuestMemory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-hart translator of hot code: counts block entries, compiles a {@link CompiledRegion} when a block
 * becomes hot (for the data translation mode it runs in: bare, or through the data TLB under Sv39), and drops
 * regions on the same events that invalidate the interpreter's blocks: a write to a
 * watched page drops all regions of the page; on a page in granule mode (code sharing a page with hot data, see
 * {@link CodePage}) only a store into the bytes of one of a region's blocks drops it, so data stores next to
 * compiled code cost nothing; fence.i and a flush of the code cache drop every region.
 *
 * <p>On unless the system property {@code ferry.jit} is {@code false}; {@code ferry.jit.threshold} sets the
 * number of entries after which a block is compiled.
 */
final class Jit {

    /** Block entries before compiling, unless {@code ferry.jit.threshold} says otherwise. */
    static final int DEFAULT_THRESHOLD = 2000;

    private final JitCompiler compiler;
    private final int threshold;
    private final Map<Integer, List<CompiledRegion>> byPage = new HashMap<>();
    private int compiled;

    Jit(GuestMemory ram, CodePage[] code, int threshold) {
        this.compiler = new JitCompiler(ram, code);
        this.threshold = Math.max(1, threshold);
    }

    /** A translator configured from the system properties, or {@code null} when the JIT is off. */
    static Jit fromSystemProperties(GuestMemory ram, CodePage[] code) {
        if ("false".equalsIgnoreCase(System.getProperty("ferry.jit"))) {
            return null;
        }
        return new Jit(ram, code, Integer.getInteger("ferry.jit.threshold", DEFAULT_THRESHOLD));
    }

    /**
     * The compiled region starting at {@code b}, compiling it when {@code b} has just become hot; {@code null}
     * when there is none. Counts one entry of {@code b}.
     */
    CompiledRegion regionFor(Block b, boolean translated) {
        CompiledRegion r = b.jit;
        if (r != null) {
            if (r.valid) {
                return r.translated == translated ? r : null;
            }
            b.jit = null;
            b.heat = 0;
        }
        if (++b.heat != threshold) {
            return null;
        }
        r = compiler.compile(b, translated);
        if (r != null) {
            b.jit = r;
            byPage.computeIfAbsent(r.page, p -> new ArrayList<>()).add(r);
            compiled++;
        }
        return r;
    }

    /** The code of {@code page} may have changed: its regions must not run again. */
    void pageWritten(int page) {
        List<CompiledRegion> list = byPage.remove(page);
        if (list != null) {
            for (CompiledRegion r : list) {
                r.valid = false;
            }
        }
    }

    /**
     * Stores into the page, which is in granule mode, made some of its blocks invalid: the regions holding one
     * of them must not run again; the others stay.
     */
    void blocksWritten(int page) {
        List<CompiledRegion> list = byPage.get(page);
        if (list == null) {
            return;
        }
        list.removeIf(r -> {
            for (Block m : r.blocks) {
                if (!m.valid) {
                    r.valid = false;
                    return true;
                }
            }
            return false;
        });
        if (list.isEmpty()) {
            byPage.remove(page);
        }
    }

    /** Drops every region (fence.i). */
    void flush() {
        for (List<CompiledRegion> list : byPage.values()) {
            for (CompiledRegion r : list) {
                r.valid = false;
            }
        }
        byPage.clear();
    }

    /** Number of regions compiled so far (for tests). */
    int compiledCount() {
        return compiled;
    }

    /** Number of regions of {@code page} that may still run (for tests). */
    int liveRegions(int page) {
        List<CompiledRegion> list = byPage.get(page);
        return list == null ? 0 : list.size();
    }
}
