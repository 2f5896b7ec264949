package dev.ferry.machine.device;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The MMIO half of the physical address space: device windows by base address. RAM is not on this bus; the
 * CPU reaches it directly through {@link dev.ferry.machine.memory.GuestMemory}. An access that hits no window,
 * or that the device does not {@linkplain MmioDevice#accepts accept}, raises {@link BusError}, which the CPU
 * turns into an access fault as the hardware would.
 */
public final class SystemBus {

    private record Window(long base, long end, MmioDevice device) { }

    private Window[] windows = new Window[0];

    /** Maps {@code device} at {@code base}; windows must not overlap. */
    public void map(long base, MmioDevice device) {
        long end = base + device.size();
        for (Window w : windows) {
            if (base < w.end && w.base < end) {
                throw new IllegalArgumentException(String.format("MMIO window at 0x%x overlaps 0x%x", base, w.base));
            }
        }
        List<Window> list = new ArrayList<>(List.of(windows));
        list.add(new Window(base, end, device));
        list.sort(Comparator.comparingLong(Window::base));
        windows = list.toArray(new Window[0]);
    }

    /** Reads {@code width} bytes at physical address {@code addr}. */
    public long read(long addr, int width) throws BusError {
        for (Window w : windows) {
            if (addr >= w.base && addr + width <= w.end) {
                long offset = addr - w.base;
                if (!w.device.accepts(offset, width)) {
                    throw BusError.INSTANCE;
                }
                return w.device.read(offset, width);
            }
        }
        throw BusError.INSTANCE;
    }

    /** Writes the low {@code width} bytes of {@code value} at physical address {@code addr}. */
    public void write(long addr, int width, long value) throws BusError {
        for (Window w : windows) {
            if (addr >= w.base && addr + width <= w.end) {
                long offset = addr - w.base;
                if (!w.device.accepts(offset, width)) {
                    throw BusError.INSTANCE;
                }
                w.device.write(offset, width, value);
                return;
            }
        }
        throw BusError.INSTANCE;
    }

    /** An access to an address where no device answers. Preallocated: it carries no stack trace. */
    public static final class BusError extends Exception {
        static final BusError INSTANCE = new BusError();

        private BusError() {
            super("no device at this address", null, false, false);
        }
    }
}
