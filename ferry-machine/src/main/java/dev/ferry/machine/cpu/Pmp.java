package dev.ferry.machine.cpu;

import java.util.Arrays;

/**
 * Physical memory protection: 16 entries with OFF/TOR/NA4/NAPOT matching and the lock bit, 4-byte grain.
 * Like QEMU, {@code pmpaddr} keeps all 64 written bits. Regions are recomputed on every write so that a check
 * is a scan over at most 16 precomputed ranges; {@link #uniform} lets the CPU skip checks entirely when a
 * whole range (RAM) has one answer.
 */
final class Pmp {

    static final int ENTRIES = 16;
    static final int R = 1;
    static final int W = 2;
    static final int X = 4;
    private static final int LOCK = 0x80;

    private final byte[] cfg = new byte[ENTRIES];
    private final long[] addr = new long[ENTRIES];
    private final long[] lo = new long[ENTRIES];
    /** Inclusive end of each region. */
    private final long[] hi = new long[ENTRIES];
    private final boolean[] active = new boolean[ENTRIES];
    private int activeCount;
    private int version;

    void reset() {
        Arrays.fill(cfg, (byte) 0);
        Arrays.fill(addr, 0);
        recompute();
    }

    /** Number of entries whose address mode is not OFF (QEMU refuses mret to U/S when it is zero). */
    int activeRules() {
        return activeCount;
    }

    /** Reads pmpcfg0 ({@code reg == 0}) or pmpcfg2 ({@code reg == 2}). */
    long readCfg(int reg) {
        long v = 0;
        int first = reg * 4;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (cfg[first + i] & 0xff);
        }
        return v;
    }

    /** Writes pmpcfg0 or pmpcfg2; locked entries keep their value, R=0/W=1 is reserved and clears both. */
    void writeCfg(int reg, long value) {
        int first = reg * 4;
        for (int i = 0; i < 8; i++) {
            int e = first + i;
            if ((cfg[e] & LOCK) != 0) {
                continue;
            }
            int b = (int) (value >>> (8 * i)) & 0x9f;
            if ((b & (R | W)) == W) {
                b &= ~(R | W);
            }
            cfg[e] = (byte) b;
        }
        recompute();
    }

    long readAddr(int i) {
        return addr[i];
    }

    /** Writes pmpaddr{@code i} unless entry i is locked, or entry i+1 is a locked TOR entry. */
    void writeAddr(int i, long value) {
        if ((cfg[i] & LOCK) != 0) {
            return;
        }
        if (i + 1 < ENTRIES && (cfg[i + 1] & LOCK) != 0 && mode(i + 1) == 1) {
            return;
        }
        addr[i] = value;
        recompute();
    }

    byte[] cfgBytes() {
        return cfg.clone();
    }

    long[] addrs() {
        return addr.clone();
    }

    void restore(byte[] cfgs, long[] addrs) {
        System.arraycopy(cfgs, 0, cfg, 0, ENTRIES);
        System.arraycopy(addrs, 0, addr, 0, ENTRIES);
        recompute();
    }

    private int mode(int i) {
        return (cfg[i] >>> 3) & 3;
    }

    /** Changes whenever the configuration may have changed, so that callers can cache answers. */
    int version() {
        return version;
    }

    private void recompute() {
        version++;
        activeCount = 0;
        for (int i = 0; i < ENTRIES; i++) {
            int m = mode(i);
            active[i] = false;
            if (m == 0) {
                continue;
            }
            activeCount++;
            long a = addr[i];
            switch (m) {
                case 1 -> {
                    long start = i == 0 ? 0 : addr[i - 1] << 2;
                    long end = a << 2;
                    if (Long.compareUnsigned(start, end) < 0) {
                        lo[i] = start;
                        hi[i] = end - 1;
                        active[i] = true;
                    }
                }
                case 2 -> {
                    lo[i] = a << 2;
                    hi[i] = lo[i] + 3;
                    active[i] = true;
                }
                default -> {
                    int ones = Long.numberOfTrailingZeros(~a);
                    if (ones >= 61) {
                        lo[i] = 0;
                        hi[i] = -1;
                    } else {
                        lo[i] = (a & ~((1L << ones) - 1)) << 2;
                        hi[i] = lo[i] + (1L << (ones + 3)) - 1;
                    }
                    active[i] = true;
                }
            }
        }
    }

    private boolean allows(int i, int perm, int priv) {
        int c = cfg[i];
        if (priv == Cpu.PRIV_M && (c & LOCK) == 0) {
            return true;
        }
        return (c & perm) == perm;
    }

    /** True when an access of {@code size} bytes at {@code address} with {@code perm} is allowed. */
    boolean check(long address, int size, int perm, int priv) {
        long last = address + size - 1;
        for (int i = 0; i < ENTRIES; i++) {
            if (!active[i] || Long.compareUnsigned(last, lo[i]) < 0 || Long.compareUnsigned(address, hi[i]) > 0) {
                continue;
            }
            boolean inside = Long.compareUnsigned(address, lo[i]) >= 0 && Long.compareUnsigned(last, hi[i]) <= 0;
            return inside && allows(i, perm, priv);
        }
        return priv == Cpu.PRIV_M;
    }

    /** True when every access inside {@code [base, base+size)} with {@code perm} is allowed. */
    boolean uniform(long base, long size, int perm, int priv) {
        return check(base, 1, perm, priv) && coversOne(base, base + size - 1) && check(base + size - 1, 1, perm, priv);
    }

    /** True when the first entry touching the range contains all of it, or no entry touches it. */
    private boolean coversOne(long first, long last) {
        for (int i = 0; i < ENTRIES; i++) {
            if (!active[i] || Long.compareUnsigned(last, lo[i]) < 0 || Long.compareUnsigned(first, hi[i]) > 0) {
                continue;
            }
            return Long.compareUnsigned(first, lo[i]) >= 0 && Long.compareUnsigned(last, hi[i]) <= 0;
        }
        return true;
    }
}
