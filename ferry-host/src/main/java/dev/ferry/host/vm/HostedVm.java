package dev.ferry.host.vm;

import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.memory.DirtyLog;
import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.migration.ConsoleHistory;
import dev.ferry.migration.VmDescriptor;
import java.time.Duration;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * One VM a host runs: its runner (which owns the vCPU thread), its console buffer and the host-side facts about
 * it. Control operations (pause, resume, state hash) are serialized per VM and refused while a migration owns
 * the VM; a migration also owns the dirty log, so dirty-rate sampling is skipped while one runs.
 */
public final class HostedVm {

    private final String name;
    private final String image;
    private final VmRunner runner;
    private final ConsoleBuffer console;
    private final VmOrigin origin;
    private final long createdNanos = System.nanoTime();
    private final Object control = new Object();

    private String migrationId;
    private boolean sampling;

    /**
     * Wraps a started or startable runner.
     *
     * @param image the image the VM booted (here or on the host it migrated from), or empty when not known
     */
    public HostedVm(String name, String image, VmRunner runner, ConsoleBuffer console) {
        this(name, image, runner, console, null);
    }

    /**
     * Wraps a runner of a VM created on this host.
     *
     * @param origin what it booted, its template and the disks the host made for it, or {@code null} when unknown
     */
    public HostedVm(String name, String image, VmRunner runner, ConsoleBuffer console, VmOrigin origin) {
        this.name = name;
        this.image = image;
        this.runner = runner;
        this.console = console;
        this.origin = origin;
    }

    /** Where the VM came from on this host, or {@code null} (it migrated in). */
    public VmOrigin origin() {
        return origin;
    }

    /** The VM's name on this host. */
    public String name() {
        return name;
    }

    /** The image it booted, or empty when it migrated from a host that did not say (protocol 2). */
    public String image() {
        return image;
    }

    /** The runner; the host and migrations drive the VM through it. */
    public VmRunner runner() {
        return runner;
    }

    /** Stops the vCPU for good and gives the guest's RAM back: for a VM stopped or moved away. */
    public void discard() {
        runner.close();
        runner.machine().close();
    }

    /** Console output. */
    public ConsoleBuffer console() {
        return console;
    }

    /** Time since the VM was created on (or arrived at) this host. */
    public Duration uptime() {
        return Duration.ofNanos(System.nanoTime() - createdNanos);
    }

    /** Host-side facts a migration carries. */
    public VmDescriptor descriptor() {
        return VmDescriptor.of(name, runner.machine().config(), runner.instructionLimit(), image);
    }

    /** The VM's recent console output, as it travels with the VM when it migrates. */
    public ConsoleHistory consoleHistory() {
        ConsoleBuffer.Chunk tail = console.last(ConsoleHistory.MAX_BYTES);
        return new ConsoleHistory(tail.next(), tail.data());
    }

    /** Bytes of guest RAM that hold data (pages written at least once). */
    public long memoryUsedBytes() {
        return (long) runner.machine().memory().allocatedPages() * GuestMemory.PAGE_SIZE;
    }

    /** The id of the migration that owns the VM, or {@code null}. */
    public String migrationId() {
        synchronized (control) {
            return migrationId;
        }
    }

    /**
     * Hands the VM to a migration: control operations are refused until {@link #endMigration}. Waits for a
     * dirty-rate sample in progress to finish, since the migration takes over the dirty log.
     */
    public void beginMigration(String id) {
        synchronized (control) {
            if (migrationId != null) {
                throw new VmConflictException("VM " + name + " is already migrating (migration " + migrationId + ")");
            }
            migrationId = id;
            while (sampling) {
                try {
                    control.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    migrationId = null;
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }
    }

    /** The migration let go of the VM (it failed or was cancelled and the VM runs here). */
    public void endMigration() {
        synchronized (control) {
            migrationId = null;
        }
    }

    /** Parks the vCPU. */
    public void pause() {
        synchronized (control) {
            requireNotMigrating("pause");
            parkVcpu();
        }
    }

    /** Pauses the runner; a vCPU that cannot stop (waiting on a lost post-copy source) is a conflict. */
    private void parkVcpu() {
        try {
            runner.pause();
        } catch (IllegalStateException e) {
            throw new VmConflictException(e.getMessage());
        }
    }

    /** Lets a paused VM run again. */
    public void resume() {
        synchronized (control) {
            requireNotMigrating("resume");
            runner.resume();
        }
    }

    /**
     * Hash of the complete guest-visible state with the instruction count it was taken at. A running VM is
     * paused for the hash and resumed after it; a paused one stays paused.
     */
    public StateHash stateHash() {
        synchronized (control) {
            requireNotMigrating("hash");
            boolean userPaused = runner.state() == VmRunner.RunState.PAUSED;
            parkVcpu();
            try {
                VirtMachine m = runner.machine();
                return new StateHash(m.stateHash(), m.instructions());
            } finally {
                if (!userPaused) {
                    runner.resume();
                }
            }
        }
    }

    /**
     * Runs {@code task} while the VM's vCPU stays parked (paused, or the guest powered off): control operations
     * (resume, a migration) wait until it returns. A VM that runs, or migrates, is a conflict.
     *
     * @param what what the task does, for the message ("make a template of")
     */
    public <T> T whilePaused(String what, Callable<T> task) throws Exception {
        synchronized (control) {
            requireNotMigrating(what);
            VmRunner.RunState state = runner.state();
            if (state != VmRunner.RunState.PAUSED && state != VmRunner.RunState.POWERED_OFF) {
                throw new VmConflictException("cannot " + what + " VM " + name + ": it is "
                        + state.name().toLowerCase(Locale.ROOT) + "; pause it first (ferry vm pause " + name
                        + ")");
            }
            return task.call();
        }
    }

    /**
     * Runs {@code task} while the VM keeps running but no migration can begin and no other control operation
     * runs (it may call {@link #parked}); refused while a migration owns the VM.
     */
    public <T> T exclusively(String what, Supplier<T> task) {
        synchronized (control) {
            requireNotMigrating(what);
            return task.get();
        }
    }

    /**
     * Runs {@code task} with the vCPU parked, refused while a migration owns the VM; a VM that was running runs
     * again afterwards, a paused one stays paused.
     */
    public <T> T parked(String what, Supplier<T> task) {
        synchronized (control) {
            requireNotMigrating(what);
            boolean userPaused = runner.state() == VmRunner.RunState.PAUSED;
            parkVcpu();
            try {
                return task.get();
            } finally {
                if (!userPaused) {
                    runner.resume();
                }
            }
        }
    }

    /** A state hash and the instruction count it was taken at. */
    public record StateHash(String sha256, long instructions) { }

    /**
     * Pages the guest dirties per second, measured over {@code window} with the dirty log; empty while a
     * migration owns the dirty log, or another sample is under way.
     */
    public OptionalDouble sampleDirtyRate(Duration window) throws InterruptedException {
        synchronized (control) {
            if (migrationId != null || sampling) {
                return OptionalDouble.empty();
            }
            sampling = true;
        }
        try {
            GuestMemory mem = runner.machine().memory();
            DirtyLog log = runner.atSafepoint(() -> {
                try {
                    return mem.claimDirtyLog("dirty-rate sample of " + name);
                } catch (IllegalStateException inUse) {
                    return null;
                }
            });
            if (log == null) {
                return OptionalDouble.empty();
            }
            long t0 = System.nanoTime();
            int pages;
            try {
                Thread.sleep(window.toMillis());
                pages = runner.atSafepoint(() -> log.harvest().cardinality());
            } finally {
                runner.atSafepoint(() -> {
                    log.close();
                    return null;
                });
            }
            return OptionalDouble.of(pages / ((System.nanoTime() - t0) / 1e9));
        } finally {
            synchronized (control) {
                sampling = false;
                control.notifyAll();
            }
        }
    }

    private void requireNotMigrating(String what) {
        if (migrationId != null) {
            throw new VmConflictException("cannot " + what + " VM " + name + " while it migrates (migration "
                    + migrationId + ")");
        }
    }
}
