package dev.ferry.machine.board;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One re-armable host timer of a machine in real-time mode, for device events due at a wall-clock time (the RTC
 * alarm). All machines share one daemon thread; the task it runs only queues work for the vCPU thread.
 */
final class HostTimer {

    private ScheduledFuture<?> pending;

    /** The shared executor, created when a machine first schedules something (most runs never do). */
    private static final class Shared {
        static final ScheduledThreadPoolExecutor EXECUTOR = executor();
    }

    private static ScheduledThreadPoolExecutor executor() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "ferry-host-timer");
            t.setDaemon(true);
            return t;
        });
        e.setRemoveOnCancelPolicy(true);
        return e;
    }

    /** Cancels what was scheduled and, unless {@code delayNanos} is negative, runs {@code task} after it. */
    synchronized void schedule(long delayNanos, Runnable task) {
        cancel();
        if (delayNanos >= 0) {
            pending = Shared.EXECUTOR.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Cancels the scheduled task, if any. */
    synchronized void cancel() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }
}
