package dev.ferry.machine.device;

import dev.ferry.machine.state.Snapshottable;
import java.util.Objects;

/**
 * A virtio-mmio transport with no device behind it, as QEMU's {@code virt} board has eight of them at
 * {@code 0x1000_1000 + 0x1000 * i}. Guests probe these slots; an empty one must look exactly like QEMU's so
 * that the probe finds "no device" and moves on: magic {@code "virt"}, version 1 (QEMU 7.2 defaults to the
 * legacy interface), device id 0, vendor id {@code "QEMU"}, every other register 0, writes ignored.
 *
 * <p>Verified on QEMU 7.2: only the first {@code 0x200} bytes of each slot decode (an access beyond faults); a
 * read of any width at a register's offset returns that register truncated, a read at an offset inside a
 * register returns 0, and an 8-byte read joins two 32-bit registers.
 */
public final class VirtioMmioSlot implements MmioDevice, Snapshottable<VirtioMmioSlotState> {

    /** Physical base address of slot 0 on the {@code virt} board. */
    public static final long BASE = 0x1000_1000L;
    /** Distance between slots. */
    public static final long STRIDE = 0x1000;
    /** Number of slots on the {@code virt} board. */
    public static final int COUNT = 8;
    /** Size of one slot's window on the bus. */
    public static final long SIZE = 0x1000;
    /** Bytes of the window that decode; the rest raises an access fault. */
    public static final int DECODED = 0x200;

    static final int MAGIC = 0x7472_6976;
    static final int LEGACY_VERSION = 1;
    static final int VENDOR_QEMU = 0x554d_4551;

    /** Base address of slot {@code index} (0 to 7). */
    public static long base(int index) {
        Objects.checkIndex(index, COUNT);
        return BASE + STRIDE * index;
    }

    @Override
    public long size() {
        return SIZE;
    }

    @Override
    public boolean accepts(long offset, int width) {
        return offset + width <= DECODED;
    }

    @Override
    public long read(long offset, int width) {
        if (width == 8) {
            return register(offset) & 0xffff_ffffL | (register(offset + 4) & 0xffff_ffffL) << 32;
        }
        long mask = width == 4 ? 0xffff_ffffL : (1L << (8 * width)) - 1;
        return register(offset) & mask;
    }

    private static int register(long offset) {
        return switch ((int) offset) {
            case 0x000 -> MAGIC;
            case 0x004 -> LEGACY_VERSION;
            case 0x00c -> VENDOR_QEMU;
            default -> 0;
        };
    }

    @Override
    public void write(long offset, int width, long value) {
    }

    @Override
    public VirtioMmioSlotState saveState() {
        return new VirtioMmioSlotState();
    }

    /** The record is empty: any one fits. */
    @Override
    public void validateState(VirtioMmioSlotState state) {
        Objects.requireNonNull(state);
    }

    /** Nothing to restore. */
    @Override
    public void restoreState(VirtioMmioSlotState state) {
    }
}
