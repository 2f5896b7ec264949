package dev.ferry.machine.cpu;

import dev.ferry.machine.memory.GuestMemory;

import java.util.Arrays;

/**
 * Virtual-memory translation for S and U mode: the Sv39 page-table walk (and Sv48/Sv57, which QEMU 7.2's CPU
 * also accepts in {@code satp}) with a software TLB in front of it.
 *
 * <p>The walk follows QEMU 7.2 as checked on it: PTE bits 54-63 must be zero (no Svpbmt, no Svnapot), a pointer
 * to the next level must have A, D and U clear, R=0/W=1 and W=1/X=1 leaves are reserved, a U page is reachable from S only for loads and stores with {@code SUM}, an
 * S page never from U, a superpage must be aligned, {@code MXR} makes executable pages readable. A and D are set
 * in the walk itself (A on every access, D on stores). A PTE that PMP forbids to read is an access fault; a PTE
 * address outside RAM, like every other failure, a page fault. Faults are returned as the negative values
 * {@link #PAGE_FAULT} and {@link #ACCESS_FAULT} (physical addresses are below 2<sup>56</sup>) so that the hot
 * path needs no exception object.
 *
 * <p>The TLB is direct-mapped and split by access kind (read, write, fetch), and holds only pages that PMP allows
 * throughout for that kind and privilege, so a hit needs no PMP check (QEMU's TLB does the same). Its tag holds the virtual page plus
 * everything else the walk's answer depends on (privilege, SUM, MXR), so switching between them needs no
 * flush for correctness; {@code satp} writes and {@code sfence.vma} flush it, and so do writes to mstatus that
 * change MXR, MPP, MPV, MPRV or SUM, because QEMU flushes then and a walk after a flush sets A/D bits the
 * guest may have cleared. An entry is filled only after a walk that set A
 * (and D for the write TLB), so later accesses through it need no page-table update, as in QEMU's TLB.
 */
final class Mmu {

    static final int READ = 0;
    static final int WRITE = 1;
    static final int FETCH = 2;

    /** Translation failed with a page fault (causes 12, 13, 15). */
    static final long PAGE_FAULT = -1;
    /** Translation failed with an access fault (causes 1, 5, 7): PMP forbids reading a PTE. */
    static final long ACCESS_FAULT = -2;

    /** satp MODE values. */
    static final int BARE = 0;
    static final int SV39 = 8;
    static final int SV48 = 9;
    static final int SV57 = 10;

    static final long PTE_V = 1;
    static final long PTE_R = 2;
    static final long PTE_W = 4;
    static final long PTE_X = 8;
    static final long PTE_U = 16;
    static final long PTE_A = 64;
    static final long PTE_D = 128;
    private static final long PPN_MASK = (1L << 44) - 1;

    private static final int TLB_BITS = 8;
    private static final int TLB_SIZE = 1 << TLB_BITS;

    /** Writes an updated PTE through the CPU's store path (dirty log, code coherence). */
    interface PteWriter {
        void writePte(long address, long pte);
    }

    private final GuestMemory ram;
    private final Pmp pmp;
    private final PteWriter writer;
    /** Tags by {@code kind * TLB_SIZE + (vpn & mask)}: the key of {@link #tag}, or -1 when empty. */
    private final long[] tags = new long[3 * TLB_SIZE];
    /** Physical page address of each entry. */
    private final long[] frames = new long[3 * TLB_SIZE];

    private long satp;
    private int walks;
    /**
     * Set by {@link #translate}: true when PMP allows the access kind on the whole physical page (the answer came
     * from the TLB, which holds only such pages), so the caller needs no PMP check of its own.
     */
    boolean pmpChecked;

    Mmu(GuestMemory ram, Pmp pmp, PteWriter writer) {
        this.ram = ram;
        this.pmp = pmp;
        this.writer = writer;
        flush();
    }

    /** The satp register. */
    long satp() {
        return satp;
    }

    /** True when S and U accesses are translated (satp MODE is not Bare). */
    boolean enabled() {
        return satp >>> 60 != BARE;
    }

    /**
     * Writes satp as QEMU 7.2 does: a MODE other than Bare, Sv39, Sv48 or Sv57 leaves the register unchanged;
     * ASID keeps 16 bits, PPN 44.
     *
     * @return true when the register changed
     */
    boolean writeSatp(long v) {
        int mode = (int) (v >>> 60);
        if (mode != BARE && mode != SV39 && mode != SV48 && mode != SV57) {
            return false;
        }
        long old = satp;
        satp = v;
        flush();
        return old != v;
    }

    /** Restores satp without the write rules (the value was validated). */
    void restoreSatp(long v) {
        satp = v;
        flush();
    }

    /** True when {@code v} is a value {@link #writeSatp} could have produced. */
    static boolean validSatp(long v) {
        int mode = (int) (v >>> 60);
        return mode == BARE || mode == SV39 || mode == SV48 || mode == SV57;
    }

    /** Number of TLB entries (all access kinds), the length of the saved TLB arrays. */
    static final int TLB_ENTRIES = 3 * TLB_SIZE;

    /**
     * The TLB's tags, saved with the CPU: which translations are cached decides whether a later access walks
     * (and sets A/D bits the guest may have cleared without sfence.vma), so a restored run must keep them.
     */
    long[] tlbTags() {
        return tags.clone();
    }

    /** The physical page of each TLB entry (see {@link #tlbTags}). */
    long[] tlbFrames() {
        return frames.clone();
    }

    /** Restores the TLB saved by {@link #tlbTags} and {@link #tlbFrames} (lengths already checked). */
    void restoreTlb(long[] savedTags, long[] savedFrames) {
        System.arraycopy(savedTags, 0, tags, 0, tags.length);
        System.arraycopy(savedFrames, 0, frames, 0, frames.length);
    }

    /** Drops every TLB entry (sfence.vma, satp writes). */
    void flush() {
        Arrays.fill(tags, -1L);
    }

    /** Number of page-table walks so far (for tests of the TLB). */
    int walks() {
        return walks;
    }

    private static long tag(long vpn, int priv, boolean sum, boolean mxr) {
        return vpn << 4 | (long) priv << 2 | (sum ? 2 : 0) | (mxr ? 1 : 0);
    }

    /**
     * The physical address of {@code va} for an access of {@code kind} at privilege {@code priv} (S or U, with
     * translation enabled), or {@link #PAGE_FAULT} / {@link #ACCESS_FAULT}.
     */
    long translate(long va, int kind, int priv, boolean sum, boolean mxr) {
        long vpn = va >>> 12;
        long t = tag(vpn, priv, sum, mxr);
        int i = kind << TLB_BITS | ((int) vpn & (TLB_SIZE - 1));
        if (tags[i] == t) {
            pmpChecked = true;
            return frames[i] | (va & 0xfff);
        }
        long pa = walk(va, kind, priv, sum, mxr);
        pmpChecked = false;
        if (pa >= 0) {
            long frame = pa & ~0xfffL;
            int perm = kind == READ ? Pmp.R : kind == WRITE ? Pmp.W : Pmp.X;
            if (pmp.check(frame, 4096, perm, priv)) {
                // like QEMU's TLB: only pages that PMP treats alike throughout are cached
                tags[i] = t;
                frames[i] = frame;
                pmpChecked = true;
            }
        }
        return pa;
    }

    /** Like {@link #translate} but from the TLB alone: -1 on a miss, and never a side effect. */
    long lookup(long va, int kind, int priv, boolean sum, boolean mxr) {
        long vpn = va >>> 12;
        int i = kind << TLB_BITS | ((int) vpn & (TLB_SIZE - 1));
        return tags[i] == tag(vpn, priv, sum, mxr) ? frames[i] | (va & 0xfff) : -1;
    }

    private long walk(long va, int kind, int priv, boolean sum, boolean mxr) {
        walks++;
        int levels = (int) (satp >>> 60) - 5;
        int vaBits = 12 + 9 * levels;
        long high = va >> (vaBits - 1);
        if (high != 0 && high != -1) {
            return PAGE_FAULT;
        }
        long base = (satp & PPN_MASK) << 12;
        for (int level = levels - 1; level >= 0; level--) {
            int shift = 12 + 9 * level;
            long pteAddr = base + ((va >>> shift) & 511) * 8;
            if (!pmp.check(pteAddr, 8, Pmp.R, Cpu.PRIV_S)) {
                return ACCESS_FAULT;
            }
            if (!ram.contains(pteAddr, 8)) {
                return PAGE_FAULT;
            }
            long pte = ram.load64(pteAddr);
            if (pte >>> 54 != 0 || (pte & PTE_V) == 0) {
                return PAGE_FAULT;
            }
            long ppn = (pte >>> 10) & PPN_MASK;
            long rwx = pte & (PTE_R | PTE_W | PTE_X);
            if (rwx == 0) {
                if ((pte & (PTE_A | PTE_D | PTE_U)) != 0) {
                    return PAGE_FAULT;
                }
                base = ppn << 12;
                continue;
            }
            if (rwx == PTE_W || rwx == (PTE_W | PTE_X)) {
                return PAGE_FAULT;
            }
            boolean user = (pte & PTE_U) != 0;
            if (user ? priv != Cpu.PRIV_U && (!sum || kind == FETCH) : priv != Cpu.PRIV_S) {
                return PAGE_FAULT;
            }
            long superMask = (1L << (9 * level)) - 1;
            if ((ppn & superMask) != 0) {
                return PAGE_FAULT;
            }
            boolean allowed = switch (kind) {
                case READ -> (pte & PTE_R) != 0 || (mxr && (pte & PTE_X) != 0);
                case WRITE -> (pte & PTE_W) != 0;
                default -> (pte & PTE_X) != 0;
            };
            if (!allowed) {
                return PAGE_FAULT;
            }
            long updated = pte | PTE_A | (kind == WRITE ? PTE_D : 0);
            if (updated != pte) {
                writer.writePte(pteAddr, updated);
            }
            return ((ppn | ((va >>> 12) & superMask)) << 12) | (va & 0xfff);
        }
        return PAGE_FAULT;
    }
}
