package dev.ferry.machine.board;

import dev.ferry.machine.memory.PageUnavailableException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Owns the vCPU thread of one {@link VirtMachine}: start, pause, resume, throttle and shut down, plus running
 * code at a safepoint. The host daemon and the migration engine drive a VM only through this, so that "paused"
 * always means the vCPU is parked between two instructions and nothing touches guest state behind its back.
 */
public final class VmRunner implements AutoCloseable {

    /** Where the VM is in its life. */
    public enum RunState {
        /** Built, vCPU not started yet. */
        CREATED,
        /** The vCPU executes guest code (or sleeps in WFI). */
        RUNNING,
        /** Parked between two instructions by {@link #pause()}. */
        PAUSED,
        /** Reached its instruction limit (deterministic runs); parked there. */
        LIMIT_REACHED,
        /** The guest powered off through the finisher. */
        POWERED_OFF,
        /** Shut down by {@link #close()}; the vCPU thread has ended. */
        CLOSED
    }

    /** How long {@link #pause()} waits for the vCPU to park. */
    public static final long PAUSE_TIMEOUT_MILLIS = 5_000;

    private static final long THROTTLE_SLICE = 200_000;

    private final VirtMachine machine;
    private final String name;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final CompletableFuture<RunState> ended = new CompletableFuture<>();

    private volatile long instructionLimit;
    private volatile double throttle;
    private final java.util.concurrent.atomic.AtomicLong throttledNanos = new java.util.concurrent.atomic.AtomicLong();
    private RunState state = RunState.CREATED;
    private boolean pauseRequested;
    private volatile boolean closeRequested;
    private Thread vcpu;

    /**
     * Wraps a booted or restored machine.
     *
     * @param instructionLimit the VM parks when it has retired this many instructions ({@code Long.MAX_VALUE}: never)
     */
    public VmRunner(VirtMachine machine, String name, long instructionLimit) {
        this.machine = machine;
        this.name = name;
        this.instructionLimit = instructionLimit;
    }

    /** The machine; touch its state only while paused or through {@link #atSafepoint}. */
    public VirtMachine machine() {
        return machine;
    }

    /** The name the vCPU thread carries. */
    public String name() {
        return name;
    }

    /** Instruction count at which the VM parks. */
    public long instructionLimit() {
        return instructionLimit;
    }

    /**
     * CPU time the vCPU thread has used, in nanoseconds (0 before it started or when the JVM cannot measure it):
     * the busy share of the vCPU is its growth over wall-clock time, since a guest waiting in WFI does not use the
     * CPU.
     */
    public long cpuNanos() {
        Thread t;
        lock.lock();
        try {
            t = vcpu;
        } finally {
            lock.unlock();
        }
        if (t == null || !t.isAlive()) {
            return 0;
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long n = mx.isThreadCpuTimeSupported() ? mx.getThreadCpuTime(t.threadId()) : -1;
        return Math.max(0, n);
    }

    /** Current state. */
    public RunState state() {
        lock.lock();
        try {
            return state;
        } finally {
            lock.unlock();
        }
    }

    /** Completes when the guest powers off or the runner is closed, with that final state. */
    public CompletableFuture<RunState> ended() {
        return ended;
    }

    /** Starts the vCPU thread in the running state (or paused, if {@link #pause()} came first). */
    public void start() {
        lock.lock();
        try {
            if (vcpu != null) {
                throw new IllegalStateException(name + " already started");
            }
            state = pauseRequested ? RunState.PAUSED : RunState.RUNNING;
            vcpu = new Thread(this::vcpuLoop, "vcpu-" + name);
            vcpu.setDaemon(true);
            vcpu.start();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Parks the vCPU between two instructions and returns once it is parked (or the VM has already stopped
     * running for another reason). Idempotent.
     *
     * @throws IllegalStateException if the vCPU does not stop within {@link #PAUSE_TIMEOUT_MILLIS} — it waits
     *         for a page its post-copy source cannot deliver; the VM keeps running (or waiting) then
     */
    public void pause() {
        lock.lock();
        try {
            pauseRequested = true;
            machine.requestStop();
            long deadline = System.nanoTime() + PAUSE_TIMEOUT_MILLIS * 1_000_000L;
            while (state == RunState.RUNNING) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    pauseRequested = false;
                    throw new IllegalStateException("the vCPU of " + name + " did not stop within "
                            + PAUSE_TIMEOUT_MILLIS + " ms (is it waiting for a page from its migration source?)");
                }
                try {
                    changed.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    pauseRequested = false;
                    throw new IllegalStateException("interrupted while pausing " + name, e);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Lets a paused VM run again. No effect on a VM that powered off, reached its limit or was closed. */
    public void resume() {
        lock.lock();
        try {
            pauseRequested = false;
            if (state == RunState.PAUSED) {
                state = RunState.RUNNING;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Raises the instruction limit of a VM (a parked one at its old limit runs on after {@link #resume()}). */
    public void setInstructionLimit(long limit) {
        lock.lock();
        try {
            instructionLimit = limit;
            if (state == RunState.LIMIT_REACHED && machine.instructions() < limit) {
                state = pauseRequested ? RunState.PAUSED : RunState.RUNNING;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Slows the vCPU down: it sleeps this fraction of wall-clock time (0 = full speed, at most 0.99). Used by
     * auto-converge; guest-visible state is unaffected in deterministic mode.
     */
    public void setThrottle(double fraction) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("throttle must be in [0, 1): " + fraction);
        }
        this.throttle = fraction;
        machine.requestStop();
    }

    /** Total time the vCPU was held back by the throttle, in nanoseconds. */
    public long throttledNanos() {
        return throttledNanos.get();
    }

    /** Current throttle fraction. */
    public double throttle() {
        return throttle;
    }

    /**
     * Runs {@code task} with the vCPU stopped between two instructions and returns its result: on the vCPU
     * thread at a safepoint while running, or right here while the vCPU is parked.
     */
    public <T> T atSafepoint(Supplier<T> task) {
        lock.lock();
        try {
            if (state != RunState.RUNNING) {
                return task.get();
            }
        } finally {
            lock.unlock();
        }
        CompletableFuture<T> result = machine.atSafepoint(task);
        lock.lock();
        try {
            if (state != RunState.RUNNING) {
                machine.runSafepointTasks();
            }
        } finally {
            lock.unlock();
        }
        try {
            return result.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a safepoint", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("vCPU of " + name + " did not reach a safepoint in 30 s", e);
        }
    }

    /**
     * Stops the vCPU for good and waits for its thread to end. A vCPU blocked on a page that will never
     * arrive (post-copy source gone) is interrupted, which abandons that wait.
     */
    @Override
    public void close() {
        Thread t;
        lock.lock();
        try {
            closeRequested = true;
            machine.requestStop();
            changed.signalAll();
            t = vcpu;
            if (t == null) {
                state = RunState.CLOSED;
                ended.complete(RunState.CLOSED);
            }
        } finally {
            lock.unlock();
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(1_000);
                if (t.isAlive()) {
                    t.interrupt();
                    t.join(5_000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void vcpuLoop() {
        try {
            runLoop();
        } catch (PageUnavailableException e) {
            if (!closeRequested) {
                throw e;
            }
        } finally {
            lock.lock();
            try {
                state = machine.poweredOff() ? RunState.POWERED_OFF : RunState.CLOSED;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            ended.complete(machine.poweredOff() ? RunState.POWERED_OFF : RunState.CLOSED);
        }
    }

    private void runLoop() {
        while (true) {
            if (!awaitRunnable()) {
                return;
            }
            double t = throttle;
            long limit = instructionLimit;
            VirtMachine.Exit exit;
            if (t > 0) {
                long t0 = System.nanoTime();
                exit = machine.run(Math.min(limit, machine.instructions() + THROTTLE_SLICE));
                long ran = System.nanoTime() - t0;
                if (exit == VirtMachine.Exit.LIMIT_REACHED && machine.instructions() < limit) {
                    exit = VirtMachine.Exit.STOPPED;
                }
                long pause = Math.min((long) (ran * t / (1 - t)), 100_000_000L);
                sleepNanos(pause);
                throttledNanos.addAndGet(pause);
            } else {
                exit = machine.run(limit);
            }
            settle(exit);
        }
    }

    /** Waits until the VM should run; false when the loop must end. */
    private boolean awaitRunnable() {
        lock.lock();
        try {
            while (true) {
                if (closeRequested) {
                    return false;
                }
                if (state == RunState.RUNNING) {
                    return true;
                }
                machine.runSafepointTasks();
                changed.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    private void settle(VirtMachine.Exit exit) {
        lock.lock();
        try {
            if (exit == VirtMachine.Exit.POWERED_OFF) {
                state = RunState.POWERED_OFF;
                closeRequested = true;
            } else if (exit == VirtMachine.Exit.LIMIT_REACHED && machine.instructions() >= instructionLimit) {
                state = RunState.LIMIT_REACHED;
            } else if (pauseRequested) {
                state = RunState.PAUSED;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private static void sleepNanos(long nanos) {
        if (nanos > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(nanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
