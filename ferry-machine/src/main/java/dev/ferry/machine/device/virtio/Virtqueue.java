package dev.ferry.machine.device.virtio;

import dev.ferry.machine.memory.GuestMemory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One split virtqueue in the legacy layout: descriptor table at {@link #address()}, the available ring right
 * after it, the used ring at the next multiple of the queue's alignment. The device reads rings and buffers and
 * writes the used ring through {@link GuestMemory}'s checked store path, so its writes are dirty-logged like
 * the vCPU's. Every index and address the driver supplies is checked; a violation raises
 * {@link VirtqueueException} instead of touching memory outside RAM or looping.
 *
 * <p>Rings must lie in RAM. A buffer need not, as on QEMU 7.2, which maps one buffer of up to a page outside RAM
 * per chain through its bounce buffer (unassigned memory reads as zeros) and fails a second one or a longer one:
 * here such a buffer reads as zeros and anything more breaks the device (QEMU's vCPU hangs in the notify).
 * Also as on QEMU, only the first descriptor of a chain may point to an indirect table, whether or not
 * VIRTIO_RING_F_INDIRECT_DESC was negotiated; the flag elsewhere is ignored.
 */
public final class Virtqueue {

    /** Largest queue size (QEMU's {@code VIRTQUEUE_MAX_SIZE}, what QueueNumMax reads). */
    public static final int MAX_SIZE = 1024;
    /** Alignment after reset. */
    static final int DEFAULT_ALIGN = 4096;

    static final int DESC_F_NEXT = 1;
    static final int DESC_F_WRITE = 2;
    static final int DESC_F_INDIRECT = 4;
    static final int AVAIL_F_NO_INTERRUPT = 1;
    /** Feature bit: buffers may use indirect descriptor tables. */
    static final int F_INDIRECT_DESC = 28;
    /** Feature bit: used_event / avail_event suppress notifications. */
    static final int F_EVENT_IDX = 29;
    /** Feature bit: buffers may be laid out freely across descriptors (always true here). */
    static final int F_ANY_LAYOUT = 27;
    /** Feature bit: interrupt when the available ring runs empty. */
    static final int F_NOTIFY_ON_EMPTY = 24;

    /**
     * One buffer of a chain: guest-physical address, length, whether the device may write it, and whether it
     * lies in RAM (otherwise it reads as zeros and writes to it are dropped).
     */
    public record Segment(long address, long length, boolean deviceWritable, boolean inRam) { }

    /** Longest buffer outside RAM a chain may have (QEMU's bounce buffer: one page). */
    static final int BOUNCE_SIZE = 4096;

    /** A descriptor chain taken from the available ring. */
    public record Chain(int head, List<Segment> segments) { }

    private final GuestMemory memory;
    private long address;
    private int num = MAX_SIZE;
    private int align = DEFAULT_ALIGN;
    private int lastAvail;
    private int usedIdx;
    private long features;

    Virtqueue(GuestMemory memory) {
        this.memory = memory;
    }

    /** Guest-physical address of the descriptor table, 0 while the queue is not set up. */
    public long address() {
        return address;
    }

    /** Queue size. */
    public int num() {
        return num;
    }

    void setAddress(long address) {
        this.address = address;
    }

    void setNum(int num) {
        this.num = num;
    }

    void setAlign(int align) {
        this.align = align;
    }

    void setFeatures(long guestFeatures) {
        this.features = guestFeatures;
    }

    void reset() {
        address = 0;
        num = MAX_SIZE;
        align = DEFAULT_ALIGN;
        lastAvail = 0;
        usedIdx = 0;
        features = 0;
    }

    private long avail() {
        return address + 16L * num;
    }

    private long used() {
        long end = avail() + 2L * (3 + num);
        return (end + align - 1) & -(long) align;
    }

    /**
     * Takes the next chain the driver made available, or returns {@code null} when the ring is empty.
     *
     * @throws VirtqueueException on a bad index, a loop, a descriptor outside RAM or a bad indirect table
     */
    public Chain pop() throws VirtqueueException {
        int availIdx = load16(avail() + 2);
        if (availIdx == lastAvail) {
            return null;
        }
        if (((availIdx - lastAvail) & 0xffff) > num) {
            throw new VirtqueueException("available index moved from " + lastAvail + " to " + availIdx);
        }
        int head = load16(avail() + 4 + 2L * (lastAvail % num));
        lastAvail = (lastAvail + 1) & 0xffff;
        if (head >= num) {
            throw new VirtqueueException("descriptor index " + head + " out of range (queue size " + num + ")");
        }
        List<Segment> segments = new ArrayList<>();
        long table = address;
        int tableSize = num;
        int i = head;
        int visited = 0;
        boolean indirect = false;
        boolean bounced = false;
        while (true) {
            long d = table + 16L * i;
            long addr = load64(d);
            long len = load32(d + 8) & 0xffff_ffffL;
            int flags = load16(d + 12);
            int next = load16(d + 14);
            if ((flags & DESC_F_INDIRECT) != 0 && visited == 0 && !indirect) {
                if (len == 0 || len % 16 != 0) {
                    throw new VirtqueueException("indirect table of " + len + " bytes");
                }
                checkRange(addr, len);
                table = addr;
                tableSize = (int) (len / 16);
                i = 0;
                visited = 0;
                indirect = true;
                continue;
            }
            if (++visited > tableSize) {
                throw new VirtqueueException("descriptor chain loops");
            }
            if (segments.size() == MAX_SIZE) {
                throw new VirtqueueException("more than " + MAX_SIZE + " descriptors in a chain");
            }
            boolean inRam = inRam(addr, len);
            if (!inRam) {
                if (bounced || len > BOUNCE_SIZE || overlapsRam(addr, len)) {
                    throw new VirtqueueException(String.format("buffer [0x%x, +%d) cannot be mapped", addr, len));
                }
                bounced = true;
            }
            segments.add(new Segment(addr, len, (flags & DESC_F_WRITE) != 0, inRam));
            if ((flags & DESC_F_NEXT) == 0) {
                return new Chain(head, segments);
            }
            if (next >= tableSize) {
                throw new VirtqueueException("next descriptor " + next + " out of range");
            }
            i = next;
        }
    }

    /** Puts the last {@code n} chains {@link #pop()} took back at the head of the available ring, unused. */
    void unpop(int n) {
        lastAvail = (lastAvail - n) & 0xffff;
    }

    /** Returns chain {@code head} to the driver with {@code written} bytes written into it. */
    public void push(int head, int written) throws VirtqueueException {
        long entry = used() + 4 + 8L * (usedIdx % num);
        store32(entry, head);
        store32(entry + 4, written);
        usedIdx = (usedIdx + 1) & 0xffff;
        store16(used() + 2, usedIdx);
        if ((features & 1L << F_EVENT_IDX) != 0) {
            store16(used() + 4 + 8L * num, lastAvail);
        }
    }

    /**
     * Whether the driver wants an interrupt for the buffers used since the used index was {@code oldUsed}: by
     * the used_event index when negotiated, else unless it set NO_INTERRUPT; always when it asked to be told of
     * an empty ring and the ring is empty.
     */
    boolean shouldInterrupt(int oldUsed) throws VirtqueueException {
        if (usedIdx == oldUsed) {
            return false;
        }
        if ((features & 1L << F_NOTIFY_ON_EMPTY) != 0 && load16(avail() + 2) == lastAvail) {
            return true;
        }
        if ((features & 1L << F_EVENT_IDX) != 0) {
            int event = load16(avail() + 4 + 2L * num);
            return ((usedIdx - event - 1) & 0xffff) < ((usedIdx - oldUsed) & 0xffff);
        }
        return (load16(avail()) & AVAIL_F_NO_INTERRUPT) == 0;
    }

    int usedIdx() {
        return usedIdx;
    }

    /** Receives the 32-bit little-endian words of a chain's driver-readable bytes. */
    @FunctionalInterface
    interface WordSink {
        void word(int value) throws VirtqueueException;
    }

    /**
     * Hands the driver-readable bytes of {@code chain}, read as consecutive 32-bit little-endian words (a word
     * may span two buffers), to {@code sink}; trailing bytes that do not fill a word are ignored.
     */
    void readableWords(Chain chain, WordSink sink) throws VirtqueueException {
        long partial = 0;
        int have = 0;
        for (Segment s : chain.segments()) {
            if (s.deviceWritable()) {
                continue;
            }
            long p = s.address();
            long end = p + s.length();
            while (p < end) {
                if (!s.inRam()) {
                    p++;
                } else if (have == 0 && end - p >= 4) {
                    sink.word(memory.load32(p));
                    p += 4;
                    continue;
                } else {
                    partial |= (long) memory.load8(p) << (8 * have);
                    p++;
                }
                if (++have == 4) {
                    sink.word((int) partial);
                    partial = 0;
                    have = 0;
                }
            }
        }
    }

    /**
     * Rejects a chain with a driver-readable buffer after a device-writable one, which QEMU 7.2 treats as a broken
     * device ("incorrect order for descriptors").
     */
    static void requireReadableFirst(Chain chain) throws VirtqueueException {
        boolean writable = false;
        for (Segment s : chain.segments()) {
            if (writable && !s.deviceWritable()) {
                throw new VirtqueueException("driver-readable descriptor after a device-writable one");
            }
            writable |= s.deviceWritable();
        }
    }

    /** Total bytes of the chain's driver-readable ({@code writable == false}) or device-writable buffers. */
    static long length(Chain chain, boolean writable) {
        long n = 0;
        for (Segment s : chain.segments()) {
            if (s.deviceWritable() == writable) {
                n += s.length();
            }
        }
        return n;
    }

    /**
     * Copies {@code len} bytes starting {@code from} bytes into the chain's driver-readable buffers into
     * {@code dst}; bytes of a buffer outside RAM read as zeros. The range must lie inside those buffers.
     */
    void readFrom(Chain chain, long from, byte[] dst, int dstOff, int len) {
        copy(chain, false, from, dst, dstOff, len);
    }

    /**
     * Copies {@code len} bytes of {@code src} into the chain's device-writable buffers, starting {@code from}
     * bytes into them, through the checked store path (dirty-logged, cached code invalidated); bytes for a
     * buffer outside RAM are dropped. The range must lie inside those buffers.
     */
    void writeTo(Chain chain, long from, byte[] src, int srcOff, int len) {
        copy(chain, true, from, src, srcOff, len);
    }

    private void copy(Chain chain, boolean writable, long from, byte[] buf, int off, int len) {
        long skip = from;
        for (Segment s : chain.segments()) {
            if (len == 0) {
                return;
            }
            if (s.deviceWritable() != writable) {
                continue;
            }
            if (skip >= s.length()) {
                skip -= s.length();
                continue;
            }
            int n = (int) Math.min(len, s.length() - skip);
            if (s.inRam()) {
                if (writable) {
                    memory.writeBytes(s.address() + skip, buf, off, n);
                } else {
                    memory.readBytes(s.address() + skip, buf, off, n);
                }
            } else if (!writable) {
                Arrays.fill(buf, off, off + n, (byte) 0);
            }
            skip = 0;
            off += n;
            len -= n;
        }
        if (len != 0) {
            throw new IndexOutOfBoundsException(len + " bytes beyond the chain's buffers");
        }
    }

    VirtqueueState saveState() {
        return new VirtqueueState(address, num, align, lastAvail, usedIdx);
    }

    /** Takes a state the transport validated. */
    void restoreState(VirtqueueState s, long guestFeatures) {
        address = s.address();
        num = s.num();
        align = s.align();
        lastAvail = s.lastAvail();
        usedIdx = s.usedIdx();
        features = guestFeatures;
    }

    private boolean inRam(long addr, long len) {
        long off = addr - memory.base();
        return off >= 0 && off <= memory.size() && len <= memory.size() - off;
    }

    private boolean overlapsRam(long addr, long len) {
        return len > 0 && addr < memory.base() + memory.size() && addr + len > memory.base();
    }

    private void checkRange(long addr, long len) throws VirtqueueException {
        if (!inRam(addr, len)) {
            throw new VirtqueueException(String.format("[0x%x, +%d) is outside RAM", addr, len));
        }
    }

    private int load16(long addr) throws VirtqueueException {
        checkRange(addr, 2);
        return memory.load16(addr);
    }

    private int load32(long addr) throws VirtqueueException {
        checkRange(addr, 4);
        return memory.load32(addr);
    }

    private long load64(long addr) throws VirtqueueException {
        checkRange(addr, 8);
        return memory.load64(addr);
    }

    private void store16(long addr, int v) throws VirtqueueException {
        checkRange(addr, 2);
        memory.store16(addr, v);
    }

    private void store32(long addr, int v) throws VirtqueueException {
        checkRange(addr, 4);
        memory.store32(addr, v);
    }
}
