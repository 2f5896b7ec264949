package dev.ferry.machine.device.virtio;

import dev.ferry.machine.memory.GuestMemory;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal legacy virtio driver for device tests: brings a transport up, lays out queues of 16 entries two pages
 * apart from {@code RAM + 64 KiB}, posts descriptor chains and reads the used ring.
 */
final class TestDriver {

    static final long BASE = 0x8000_0000L;
    static final int QSIZE = 16;
    static final long BUF = BASE + 0x4_0000;

    /** One buffer of a chain. */
    record Buf(long addr, int len, boolean writable) { }

    final GuestMemory mem;
    final VirtioMmioTransport t;
    final List<Boolean> irq;
    private final int[] availIdx = new int[4];
    private final int[] usedSeen = new int[4];

    TestDriver(GuestMemory mem, VirtioMmioTransport t, List<Boolean> irq) {
        this.mem = mem;
        this.t = t;
        this.irq = irq;
    }

    static GuestMemory memory() {
        return new GuestMemory(BASE, 4L << 20);
    }

    static List<Boolean> irqLog() {
        return new ArrayList<>();
    }

    static long queueAddress(int q) {
        return BASE + 0x1_0000 + 0x2000L * q;
    }

    long reg(int off) {
        return t.read(off, 4);
    }

    void set(int off, long v) {
        t.write(off, 4, v);
    }

    void up(long features, int queues) {
        set(VirtioMmioTransport.STATUS, 0);
        set(VirtioMmioTransport.STATUS, 1);
        set(VirtioMmioTransport.STATUS, 3);
        set(VirtioMmioTransport.GUEST_FEATURES_SEL, 0);
        set(VirtioMmioTransport.GUEST_FEATURES, features);
        set(VirtioMmioTransport.GUEST_PAGE_SIZE, 4096);
        for (int q = 0; q < queues; q++) {
            set(VirtioMmioTransport.QUEUE_SEL, q);
            set(VirtioMmioTransport.QUEUE_NUM, QSIZE);
            set(VirtioMmioTransport.QUEUE_ALIGN, 4096);
            set(VirtioMmioTransport.QUEUE_PFN, queueAddress(q) >>> 12);
        }
        set(VirtioMmioTransport.STATUS, 7);
    }

    /** Writes the chain at descriptor 0.. and makes it available without notifying. */
    void post(int q, Buf... bufs) {
        long table = queueAddress(q);
        int first = (availIdx[q] * 4) % QSIZE;
        for (int i = 0; i < bufs.length; i++) {
            long d = table + 16L * ((first + i) % QSIZE);
            mem.store64(d, bufs[i].addr());
            mem.store32(d + 8, bufs[i].len());
            mem.store16(d + 12, (i + 1 < bufs.length ? 1 : 0) | (bufs[i].writable() ? 2 : 0));
            mem.store16(d + 14, (first + i + 1) % QSIZE);
        }
        long avail = table + 16L * QSIZE;
        mem.store16(avail + 4 + 2L * (availIdx[q] % QSIZE), first);
        availIdx[q] = (availIdx[q] + 1) & 0xffff;
        mem.store16(avail + 2, availIdx[q]);
    }

    void notify(int q) {
        set(VirtioMmioTransport.QUEUE_NOTIFY, q);
    }

    /** Posts, notifies and returns the used length, or -1 when nothing was used. */
    long xfer(int q, Buf... bufs) {
        post(q, bufs);
        notify(q);
        return nextUsed(q);
    }

    /** The next used length of queue q, or -1 when the device has not used another chain. */
    long nextUsed(int q) {
        long used = queueAddress(q) + 0x1000;
        if (mem.load16(used + 2) == usedSeen[q]) {
            return -1;
        }
        long len = mem.load32(used + 4 + 8L * (usedSeen[q] % QSIZE) + 4) & 0xffff_ffffL;
        usedSeen[q] = (usedSeen[q] + 1) & 0xffff;
        return len;
    }

    static Buf in(long addr, int len) {
        return new Buf(addr, len, true);
    }

    static Buf out(long addr, int len) {
        return new Buf(addr, len, false);
    }
}
