package dev.ferry.host.migration;

import dev.ferry.host.vm.HostedVm;
import dev.ferry.machine.board.NicConfig;
import dev.ferry.migration.MigrationPhase;
import dev.ferry.migration.MigrationReport;
import dev.ferry.migration.MigrationSource;
import dev.ferry.migration.MigrationStatus;
import dev.ferry.migration.Strategy;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One migration this host started: the engine's source and the VM it moves while it runs, and once it ended
 * only what status and report need (names, final status, report). A finished migration holds no reference to
 * the VM or the engine, so a VM that left this host costs nothing here. Until the host's admission control lets it
 * {@link #start} it is QUEUED: the engine has not started and the VM runs untouched.
 */
public final class OutgoingMigration {

    /** How a migration ended. */
    public enum Outcome {
        /** The VM runs on the target; this host released it. */
        COMPLETED,
        /** It ended with an error. */
        FAILED,
        /** The user cancelled it before switchover. */
        CANCELLED;

        /** The outcome's name in the API and on the command line. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final String id;
    private final String vmName;
    private final String to;
    private final Strategy strategy;
    private final long startNanos = System.nanoTime();
    private volatile InetSocketAddress target;
    private HostedVm vm;
    private MigrationSource source;
    private MigrationReport report;
    private MigrationStatus finalStatus;
    private Outcome outcome;
    private boolean started;
    private boolean cancelledWhileQueued;
    private Double networkAnnouncedMs;

    /**
     * Tracks a migration.
     *
     * @param to     the target's control API address, as the user gave it
     * @param target the target's migration endpoint
     */
    public OutgoingMigration(String id, HostedVm vm, String to, Strategy strategy, InetSocketAddress target,
            MigrationSource source) {
        this.id = id;
        this.vm = vm;
        this.vmName = vm.name();
        this.to = to;
        this.strategy = strategy;
        this.target = target;
        this.source = source;
    }

    /** Migration id. */
    public String id() {
        return id;
    }

    /** The name of the VM that moves. */
    public String vmName() {
        return vmName;
    }

    /** The target's control API address. */
    public String to() {
        return to;
    }

    /** The chosen strategy. */
    public Strategy strategy() {
        return strategy;
    }

    /** The target's migration endpoint (updated by a recovery). */
    public InetSocketAddress target() {
        return target;
    }

    /** Records a new migration endpoint of the target (after it restarted). */
    public void retarget(InetSocketAddress endpoint) {
        this.target = endpoint;
    }

    /** The migrating VM's network interfaces (empty once the migration has ended). */
    public synchronized List<NicConfig> nics() {
        return vm == null ? List.of() : vm.runner().machine().config().nics();
    }

    /**
     * Records when the VM was heard announcing itself from its new host: milliseconds after it ran there, or null
     * when that was not seen.
     */
    public synchronized void networkAnnounced(Double ms) {
        this.networkAnnouncedMs = ms;
    }

    /** What {@link #networkAnnounced} recorded. */
    public synchronized Double networkAnnouncedMs() {
        return networkAnnouncedMs;
    }

    /** The report, once done. */
    public synchronized MigrationReport report() {
        return report;
    }

    /** How it ended, or {@code null} while it runs. */
    public synchronized Outcome outcome() {
        return outcome;
    }

    /**
     * Starts the engine, unless the migration was cancelled while it was queued (then {@code null}); the future
     * completes with the report.
     */
    public synchronized CompletableFuture<MigrationReport> start() {
        if (started || cancelledWhileQueued || outcome != null) {
            return null;
        }
        started = true;
        return source.start();
    }

    /** Completes when the VM runs on the target (see {@link MigrationSource#runningOnTarget}). */
    public synchronized CompletableFuture<Void> runningOnTarget() {
        return source != null ? source.runningOnTarget() : CompletableFuture.completedFuture(null);
    }

    /** True until the engine started (or the migration was cancelled before it could). */
    public synchronized boolean queued() {
        return !started && outcome == null;
    }

    /** The live status (the last one once done). */
    public synchronized MigrationStatus status() {
        if (finalStatus != null) {
            return finalStatus;
        }
        if (!started) {
            return new MigrationStatus(id, vmName, strategy, MigrationPhase.QUEUED, 0, 0, 0, 0, 0, 0,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), null);
        }
        try {
            return source.status();
        } catch (RuntimeException e) {
            return new MigrationStatus(id, vmName, strategy, MigrationPhase.SETUP, 0, 0, 0, 0, 0, 0,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), null);
        }
    }

    /** Status, report and outcome, taken together. */
    public synchronized Snapshot snapshot() {
        return new Snapshot(status(), report, outcome);
    }

    /**
     * A migration at one moment.
     *
     * @param status  the live status, or the last one once done
     * @param report  the report, or {@code null} while it runs
     * @param outcome how it ended, or {@code null} while it runs
     */
    public record Snapshot(MigrationStatus status, MigrationReport report, Outcome outcome) { }

    /**
     * Cancels before switchover; {@link IllegalStateException} once ended or past switchover. Returns true when the
     * migration was still queued: its engine never starts, and the host ends it at once.
     */
    public synchronized boolean cancel() {
        MigrationSource s = running();
        if (!started) {
            cancelledWhileQueued = true;
            return true;
        }
        s.cancel();
        return false;
    }

    /** Reconnects a post-copy migration whose connection was lost; {@link IllegalStateException} when not. */
    public synchronized void recover(InetSocketAddress newTarget) {
        running().recover(newTarget);
    }

    /**
     * Demand migration past switchover: push every page the target has not pulled yet, so the migration can
     * complete. {@link IllegalStateException} for any other migration or phase.
     */
    public synchronized void pushRemaining() {
        if (strategy != Strategy.DEMAND) {
            throw new IllegalStateException("migration " + id + " is a " + strategy.name().toLowerCase(Locale.ROOT)
                    + " migration: push-rest only applies to demand migrations (the others push every page by "
                    + "themselves)");
        }
        MigrationSource s = running();
        MigrationPhase phase = s.status().phase();
        if (phase != MigrationPhase.POSTCOPY && phase != MigrationPhase.POSTCOPY_PAUSED) {
            throw new IllegalStateException("migration " + id + " is not past switchover yet (phase "
                    + phase.name().toLowerCase(Locale.ROOT) + "); push-rest applies once the VM runs on the target");
        }
        s.pushRemaining();
    }

    private MigrationSource running() {
        if (outcome != null) {
            throw new IllegalStateException("migration " + id + " has already ended (" + outcome.label() + ")");
        }
        return source;
    }

    /**
     * Records the end of the migration, lets go of the VM and the engine, and returns the VM it moved (the host
     * releases or keeps it) with the outcome.
     */
    synchronized Ended finish(MigrationReport finalReport) {
        MigrationStatus last;
        try {
            last = started ? source.status() : null;
        } catch (RuntimeException e) {
            last = null;
        }
        Outcome o;
        if (finalReport.success()) {
            o = Outcome.COMPLETED;
        } else if (cancelledWhileQueued || last != null && last.phase() == MigrationPhase.CANCELLED) {
            o = Outcome.CANCELLED;
        } else {
            o = Outcome.FAILED;
        }
        MigrationPhase phase = switch (o) {
            case COMPLETED -> MigrationPhase.COMPLETED;
            case CANCELLED -> MigrationPhase.CANCELLED;
            case FAILED -> MigrationPhase.FAILED;
        };
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        this.finalStatus = last != null
                ? new MigrationStatus(id, vmName, strategy, phase, last.round(), last.remainingPages(),
                        last.dirtyRatePagesPerSec(), last.rateLimitBitsPerSec(), last.throttle(),
                        Math.max(last.bytesSent(), finalReport.bytesOnWire()), elapsed, finalReport.error())
                : new MigrationStatus(id, vmName, strategy, phase, finalReport.rounds().size(), 0, 0, 0, 0,
                        finalReport.bytesOnWire(), elapsed, finalReport.error());
        this.report = finalReport;
        this.outcome = o;
        Ended ended = new Ended(vm, o);
        this.vm = null;
        this.source = null;
        return ended;
    }

    /**
     * What {@link #finish} hands back.
     *
     * @param vm      the VM the migration moved (the host releases it, or keeps it when it stays here)
     * @param outcome how the migration ended
     */
    public record Ended(HostedVm vm, Outcome outcome) { }
}
