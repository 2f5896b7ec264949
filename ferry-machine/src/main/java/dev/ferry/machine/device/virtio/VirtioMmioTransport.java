package dev.ferry.machine.device.virtio;

import dev.ferry.machine.device.InterruptLine;
import dev.ferry.machine.device.MmioDevice;
import dev.ferry.machine.device.VirtioMmioSlot;
import dev.ferry.machine.memory.GuestMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The legacy (version 1) virtio-mmio transport with a {@link VirtioDevice} behind it, as QEMU 7.2's
 * {@code virt} board has for a {@code -device virtio-*-device}. Registers are 32-bit: an access of another
 * width below the configuration space reads 0 and writes nothing, an 8-byte access is two 4-byte ones, and the
 * configuration space at {@code 0x100} takes any width (an access that does not fit reads all ones).
 *
 * <p>Verified on QEMU 7.2 with {@code -device virtio-balloon-device}: write-only registers (QueueNum,
 * QueueAlign, the selectors, GuestPageSize) read 0; QueuePFN reads back the address shifted by the current
 * GuestPageSize; writing QueuePFN 0 or Status 0 resets the device, which keeps its configuration space.
 */
public final class VirtioMmioTransport implements MmioDevice {

    static final int MAGIC = 0x000;
    static final int VERSION = 0x004;
    static final int DEVICE_ID = 0x008;
    static final int VENDOR_ID = 0x00c;
    static final int HOST_FEATURES = 0x010;
    static final int HOST_FEATURES_SEL = 0x014;
    static final int GUEST_FEATURES = 0x020;
    static final int GUEST_FEATURES_SEL = 0x024;
    static final int GUEST_PAGE_SIZE = 0x028;
    static final int QUEUE_SEL = 0x030;
    static final int QUEUE_NUM_MAX = 0x034;
    static final int QUEUE_NUM = 0x038;
    static final int QUEUE_ALIGN = 0x03c;
    static final int QUEUE_PFN = 0x040;
    static final int QUEUE_NOTIFY = 0x050;
    static final int INTERRUPT_STATUS = 0x060;
    static final int INTERRUPT_ACK = 0x064;
    static final int STATUS = 0x070;
    static final int CONFIG = 0x100;

    /** InterruptStatus bit: a used buffer was returned. */
    public static final int INT_VRING = 1;
    /** InterruptStatus bit: the configuration space changed. */
    public static final int INT_CONFIG = 2;

    private static final int MAGIC_VALUE = 0x7472_6976;
    private static final int VENDOR_QEMU = 0x554d_4551;

    private final VirtioDevice device;
    private final InterruptLine irq;
    private final Virtqueue[] queues;

    private int hostFeaturesSel;
    private int guestFeaturesSel;
    private long guestFeatures;
    private int guestPageShift;
    private int queueSel;
    private int status;
    private int interruptStatus;
    private boolean broken;

    /** A transport at reset for {@code device}, whose rings live in {@code memory}, interrupting on {@code irq}. */
    public VirtioMmioTransport(VirtioDevice device, GuestMemory memory, InterruptLine irq) {
        this.device = Objects.requireNonNull(device);
        this.irq = Objects.requireNonNull(irq);
        this.queues = new Virtqueue[device.queueCount()];
        for (int i = 0; i < queues.length; i++) {
            queues[i] = new Virtqueue(Objects.requireNonNull(memory));
        }
    }

    @Override
    public long size() {
        return VirtioMmioSlot.SIZE;
    }

    @Override
    public boolean accepts(long offset, int width) {
        return offset + width <= VirtioMmioSlot.DECODED;
    }

    @Override
    public long read(long offset, int width) {
        if (width == 8) {
            return read(offset, 4) & 0xffff_ffffL | (read(offset + 4, 4) & 0xffff_ffffL) << 32;
        }
        int off = (int) offset;
        if (off >= CONFIG) {
            return readConfig(off - CONFIG, width);
        }
        if (width != 4) {
            return 0;
        }
        return register(off) & 0xffff_ffffL;
    }

    private int register(int off) {
        return switch (off) {
            case MAGIC -> MAGIC_VALUE;
            case VERSION -> 1;
            case DEVICE_ID -> device.deviceId();
            case VENDOR_ID -> VENDOR_QEMU;
            case HOST_FEATURES -> hostFeaturesSel == 0 ? (int) device.hostFeatures()
                    : hostFeaturesSel == 1 ? (int) (device.hostFeatures() >>> 32) : 0;
            case QUEUE_NUM_MAX -> selected() != null ? Virtqueue.MAX_SIZE : 0;
            case QUEUE_PFN -> selected() != null ? (int) (selected().address() >>> guestPageShift) : 0;
            case INTERRUPT_STATUS -> interruptStatus;
            case STATUS -> status;
            default -> 0;
        };
    }

    private long readConfig(int off, int width) {
        if (off + width > device.configSize()) {
            return width == 4 ? 0xffff_ffffL : (1L << (8 * width)) - 1;
        }
        long v = 0;
        for (int i = 0; i < width; i++) {
            v |= (long) (device.readConfig(off + i) & 0xff) << (8 * i);
        }
        return v;
    }

    @Override
    public void write(long offset, int width, long value) {
        if (width == 8) {
            write(offset, 4, value & 0xffff_ffffL);
            write(offset + 4, 4, value >>> 32);
            return;
        }
        int off = (int) offset;
        if (off >= CONFIG) {
            if (off - CONFIG + width <= device.configSize()) {
                device.writeConfig(off - CONFIG, width, value, guestFeatures);
            }
            return;
        }
        if (width != 4) {
            return;
        }
        int v = (int) value;
        switch (off) {
            case HOST_FEATURES_SEL -> hostFeaturesSel = v;
            case GUEST_FEATURES -> setGuestFeatures(v);
            case GUEST_FEATURES_SEL -> guestFeaturesSel = v;
            case GUEST_PAGE_SIZE -> guestPageShift = v == 0 ? 0 : Integer.numberOfTrailingZeros(v);
            case QUEUE_SEL -> queueSel = v;
            case QUEUE_NUM -> {
                if (selected() != null && v > 0 && v <= Virtqueue.MAX_SIZE) {
                    selected().setNum(v);
                }
            }
            case QUEUE_ALIGN -> {
                if (selected() != null) {
                    selected().setAlign(v);
                }
            }
            case QUEUE_PFN -> {
                if (v == 0) {
                    reset();
                } else if (selected() != null) {
                    selected().setAddress((v & 0xffff_ffffL) << guestPageShift);
                }
            }
            case QUEUE_NOTIFY -> notifyQueue(v);
            case INTERRUPT_ACK -> {
                interruptStatus &= ~v;
                updateIrq();
            }
            case STATUS -> {
                if ((v & 0xff) == 0) {
                    reset();
                } else {
                    status = v & 0xff;
                }
            }
            default -> {
            }
        }
    }

    private Virtqueue selected() {
        return queueSel >= 0 && queueSel < queues.length ? queues[queueSel] : null;
    }

    private void setGuestFeatures(int v) {
        long offered = device.hostFeatures();
        if (guestFeaturesSel == 0) {
            guestFeatures = guestFeatures & 0xffff_ffff_0000_0000L | v & 0xffff_ffffL & offered;
        } else if (guestFeaturesSel == 1) {
            guestFeatures = guestFeatures & 0xffff_ffffL | ((long) v << 32) & offered;
        }
        for (Virtqueue q : queues) {
            q.setFeatures(guestFeatures);
        }
        device.featuresAccepted(guestFeatures);
    }

    private void notifyQueue(int index) {
        if (index < 0 || index >= queues.length || broken || queues[index].address() == 0) {
            return;
        }
        Virtqueue q = queues[index];
        int oldUsed = q.usedIdx();
        try {
            device.queueNotified(index, q);
            if (q.shouldInterrupt(oldUsed)) {
                raise(INT_VRING);
            }
        } catch (VirtqueueException e) {
            broken = true;
            if (q.usedIdx() != oldUsed) {
                raise(INT_VRING);
            }
        }
    }

    /**
     * Lets the device serve queue {@code index} as if the driver had notified it, for work that arrives from the
     * host side (received frames): interrupts and malformed rings are handled as for a notification. vCPU thread.
     */
    public void serviceQueue(int index) {
        notifyQueue(index);
    }

    /** Sets {@code bits} in InterruptStatus and raises the line: for the device, e.g. on a configuration change. */
    public void raise(int bits) {
        interruptStatus |= bits;
        updateIrq();
    }

    private void updateIrq() {
        irq.setLevel(interruptStatus != 0);
    }

    /** Device reset: status, features, queues and interrupt status return to 0. */
    public void reset() {
        hostFeaturesSel = 0;
        guestFeaturesSel = 0;
        guestFeatures = 0;
        queueSel = 0;
        status = 0;
        interruptStatus = 0;
        broken = false;
        for (Virtqueue q : queues) {
            q.reset();
        }
        device.reset();
        updateIrq();
    }

    /** The features the driver accepted. */
    public long guestFeatures() {
        return guestFeatures;
    }

    /** Device status as the driver last wrote it. */
    public int status() {
        return status;
    }

    /** True after the driver sent a malformed ring, until reset. */
    public boolean broken() {
        return broken;
    }

    /** Captures the transport's state. */
    public VirtioMmioState saveState() {
        List<VirtqueueState> qs = new ArrayList<>(queues.length);
        for (Virtqueue q : queues) {
            qs.add(q.saveState());
        }
        return new VirtioMmioState(hostFeaturesSel, guestFeaturesSel, guestFeatures, guestPageShift, queueSel,
                status, interruptStatus, broken, qs);
    }

    /**
     * Checks, changing nothing, that a saved state fits this device: its number of queues, features it offers,
     * and every register and queue field in range.
     *
     * @throws IllegalArgumentException if the state does not fit this device
     */
    public void validateState(VirtioMmioState s) {
        if (s.queues() == null || s.queues().size() != queues.length) {
            throw new IllegalArgumentException("virtio state has " + s.queues().size() + " queues, the device "
                    + queues.length);
        }
        if (s.guestPageShift() < 0 || s.guestPageShift() > 31 || (s.status() & ~0xff) != 0
                || (s.interruptStatus() & ~(INT_VRING | INT_CONFIG)) != 0
                || (s.guestFeatures() & ~device.hostFeatures()) != 0) {
            throw new IllegalArgumentException("virtio transport state out of range: " + s);
        }
        for (int i = 0; i < queues.length; i++) {
            VirtqueueState q = s.queues().get(i);
            if (q.num() < 1 || q.num() > Virtqueue.MAX_SIZE || (q.lastAvail() & ~0xffff) != 0
                    || (q.usedIdx() & ~0xffff) != 0) {
                throw new IllegalArgumentException("virtqueue " + i + " state out of range: " + q);
            }
        }
    }

    /**
     * Replaces the transport's state with one {@link #validateState} accepted; the interrupt line is left alone
     * (the interrupt controller restores its own pending bits).
     */
    public void restoreState(VirtioMmioState s) {
        hostFeaturesSel = s.hostFeaturesSel();
        guestFeaturesSel = s.guestFeaturesSel();
        guestFeatures = s.guestFeatures();
        guestPageShift = s.guestPageShift();
        queueSel = s.queueSel();
        status = s.status();
        interruptStatus = s.interruptStatus();
        broken = s.broken();
        for (int i = 0; i < queues.length; i++) {
            queues[i].restoreState(s.queues().get(i), guestFeatures);
        }
    }
}
