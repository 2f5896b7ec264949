package dev.ferry.machine.device.virtio;

import dev.ferry.machine.device.InterruptLine;
import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.machine.state.Snapshottable;
import java.util.Objects;

/**
 * A virtio memory balloon (device id 5) as QEMU 7.2's {@code virtio-balloon-device} presents itself on a legacy
 * virtio-mmio transport: features STATS_VQ, PAGE_POISON, NOTIFY_ON_EMPTY, ANY_LAYOUT, INDIRECT_DESC and
 * EVENT_IDX ({@code 0x3900_0012}), three queues (inflate, deflate, statistics), and a 16-byte configuration
 * space: {@code num_pages} (the host's target, little-endian), {@code actual} (written by the driver), the free
 * page hint command id (0) and {@code poison_val}.
 *
 * <p>Inflate: every 32-bit page frame number (4 KiB frames) in a buffer that lies in RAM becomes a
 * {@linkplain GuestMemory#reportFree free page hint}, which migration may skip until the guest writes the page
 * again; frame numbers outside RAM are ignored, as QEMU ignores them. Unlike QEMU, which discards the page so it
 * reads back as zeros, the contents stay; a guest must not rely on either. Deflate returns buffers and needs
 * nothing else: the next write to a page clears its hint. Statistics buffers are held, as QEMU holds them while
 * no polling interval is set.
 */
public final class VirtioBalloon implements VirtioDevice, Snapshottable<VirtioBalloonState> {

    /** Virtio device id of the memory balloon. */
    public static final int DEVICE_ID = 5;
    /** Feature bit: the statistics queue exists. */
    public static final int F_STATS_VQ = 1;
    /** Feature bit: the driver reports the poison value of freed pages. */
    public static final int F_PAGE_POISON = 4;
    /** Features offered, as QEMU 7.2 offers them by default. */
    public static final long FEATURES = 1L << F_STATS_VQ | 1L << F_PAGE_POISON | 1L << Virtqueue.F_NOTIFY_ON_EMPTY
            | 1L << Virtqueue.F_ANY_LAYOUT | 1L << Virtqueue.F_INDIRECT_DESC | 1L << Virtqueue.F_EVENT_IDX;
    /** Queue index of the inflate queue. */
    public static final int INFLATE = 0;
    /** Queue index of the deflate queue. */
    public static final int DEFLATE = 1;
    /** Queue index of the statistics queue. */
    public static final int STATS = 2;
    private static final int CONFIG_SIZE = 16;

    private final GuestMemory memory;
    private final long ramBasePfn;
    private final VirtioMmioTransport transport;
    private int numPages;
    private int actual;
    private int poisonValue;
    private long inflatedPages;

    /** A balloon at reset over {@code memory}, interrupting on {@code irq}. */
    public VirtioBalloon(GuestMemory memory, InterruptLine irq) {
        this.memory = Objects.requireNonNull(memory);
        this.ramBasePfn = memory.base() >>> GuestMemory.PAGE_SHIFT;
        this.transport = new VirtioMmioTransport(this, memory, irq);
    }

    /** The register window to map on the bus. */
    public VirtioMmioTransport mmio() {
        return transport;
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public long hostFeatures() {
        return FEATURES;
    }

    @Override
    public int queueCount() {
        return 3;
    }

    @Override
    public int configSize() {
        return CONFIG_SIZE;
    }

    @Override
    public int readConfig(int offset) {
        int word = switch (offset >>> 2) {
            case 0 -> numPages;
            case 1 -> actual;
            case 3 -> poisonValue;
            default -> 0;
        };
        return word >>> (8 * (offset & 3)) & 0xff;
    }

    @Override
    public void writeConfig(int offset, int width, long value, long guestFeatures) {
        for (int i = 0; i < width; i++) {
            int at = offset + i;
            int shift = 8 * (at & 3);
            int mask = ~(0xff << shift);
            int b = (int) (value >>> (8 * i)) & 0xff;
            switch (at >>> 2) {
                case 1 -> actual = actual & mask | b << shift;
                case 3 -> {
                    if ((guestFeatures & 1L << F_PAGE_POISON) != 0) {
                        poisonValue = poisonValue & mask | b << shift;
                    }
                }
                default -> {
                }
            }
        }
    }

    @Override
    public void queueNotified(int index, Virtqueue queue) throws VirtqueueException {
        if (index == STATS) {
            return;
        }
        Virtqueue.Chain chain;
        while ((chain = queue.pop()) != null) {
            if (index == INFLATE) {
                queue.readableWords(chain, this::inflate);
            }
            queue.push(chain.head(), 0);
        }
    }

    private void inflate(int pfn) {
        long page = (pfn & 0xffff_ffffL) - ramBasePfn;
        if (page >= 0 && page < memory.pageCount()) {
            memory.reportFree((int) page);
            inflatedPages++;
        }
    }

    @Override
    public void reset() {
    }

    /**
     * Sets the host's target balloon size and raises a configuration-change interrupt. Host side: call at a
     * safepoint or while the vCPU is stopped.
     */
    public void setTargetPages(int pages) {
        numPages = pages;
        transport.raise(VirtioMmioTransport.INT_CONFIG);
    }

    /** The host's target in pages. */
    public int targetPages() {
        return numPages;
    }

    /** The balloon size the driver reported in {@code actual}. */
    public int actualPages() {
        return actual;
    }

    /** Frame numbers inside RAM reported through the inflate queue since this object was created (not saved). */
    public long inflatedPages() {
        return inflatedPages;
    }

    @Override
    public VirtioBalloonState saveState() {
        return new VirtioBalloonState(transport.saveState(), numPages, actual, poisonValue);
    }

    /** Checks the transport's state; the configuration fields take any value. */
    @Override
    public void validateState(VirtioBalloonState state) {
        transport.validateState(state.transport());
    }

    @Override
    public void restoreState(VirtioBalloonState state) {
        transport.restoreState(state.transport());
        numPages = state.numPages();
        actual = state.actual();
        poisonValue = state.poisonValue();
    }
}
