package dev.ferry.machine.time;

/**
 * The machine's timebase as the CLINT's {@code mtime} shows it: 10 MHz, as on QEMU's {@code virt} board.
 * In real-time mode it follows the host's monotonic clock; in deterministic mode it is the count of retired
 * instructions (one tick each), so the machine's state is a pure function of the image and that count.
 */
public interface GuestClock {

    /** Ticks per second of {@code mtime}. */
    long FREQUENCY_HZ = 10_000_000L;

    /** Current value of {@code mtime}. */
    long mtime();
}
