package dev.ferry.machine.time;

/**
 * {@code mtime} that follows the host's monotonic clock at 10 MHz and stands still while the VM is paused,
 * as QEMU's virtual clock does. Thread-safe.
 */
public final class RealTimeClock implements GuestClock {

    private long offsetTicks;
    private long startNanos;
    private boolean running;

    /** A stopped clock showing {@code mtime = 0}. */
    public RealTimeClock() {
    }

    @Override
    public synchronized long mtime() {
        if (!running) {
            return offsetTicks;
        }
        return offsetTicks + (System.nanoTime() - startNanos) / 100;
    }

    /** Starts or resumes counting from the current value. */
    public synchronized void start() {
        if (!running) {
            startNanos = System.nanoTime();
            running = true;
        }
    }

    /** Stops counting; {@link #mtime()} keeps its value until {@link #start()}. */
    public synchronized void stop() {
        if (running) {
            offsetTicks = mtime();
            running = false;
        }
    }

    /** Sets the current value (state restore). */
    public synchronized void set(long mtime) {
        offsetTicks = mtime;
        startNanos = System.nanoTime();
    }

    /**
     * Nanoseconds of host time until {@code mtime} reaches {@code target} (both unsigned, as the CLINT compares
     * them); 0 if already there, {@code Long.MAX_VALUE} when it is further away than that.
     */
    public long nanosUntil(long target) {
        long now = mtime();
        if (Long.compareUnsigned(target, now) <= 0) {
            return 0;
        }
        long ticks = target - now;
        return Long.compareUnsigned(ticks, Long.MAX_VALUE / 100) > 0 ? Long.MAX_VALUE : ticks * 100;
    }
}
