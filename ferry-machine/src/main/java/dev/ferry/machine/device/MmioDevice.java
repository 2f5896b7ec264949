package dev.ferry.machine.device;

/**
 * A device register window on the system bus. Offsets are relative to the window base; widths are 1, 2, 4
 * or 8 bytes. Accesses arrive on the vCPU thread.
 */
public interface MmioDevice {

    /** Size of the register window in bytes. */
    long size();

    /** Reads {@code width} bytes at {@code offset}; the value is zero-extended. */
    long read(long offset, int width);

    /** Writes the low {@code width} bytes of {@code value} at {@code offset}. */
    void write(long offset, int width, long value);

    /**
     * Whether the device answers an access of {@code width} bytes at {@code offset}. Real devices decode only
     * some widths and offsets; the bus turns a refused access into a {@link SystemBus.BusError} (an access
     * fault), as QEMU does. The default accepts everything inside the window.
     */
    default boolean accepts(long offset, int width) {
        return true;
    }
}
