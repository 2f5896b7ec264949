package dev.ferry.host.migration;

import dev.ferry.host.vm.HostedVm;
import dev.ferry.migration.MigrationPhase;
import dev.ferry.migration.MigrationReport;
import dev.ferry.migration.MigrationSource;
import dev.ferry.migration.MigrationStatus;
import dev.ferry.migration.Strategy;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** One migration this host started: the engine's source, the VM it moves, and the report once it is done. */
public final class OutgoingMigration {

    /** How a migration ended. */
    public enum Outcome {
        /** The VM runs on the target; this host released it. */
        COMPLETED,
        /** It ended with an error. */
        FAILED,
        /** The user cancelled it before switchover. */
        CANCELLED
    }

    private final String id;
    private final HostedVm vm;
    private final String to;
    private final Strategy strategy;
    private final MigrationSource source;
    private final long startNanos = System.nanoTime();
    private volatile InetSocketAddress target;
    private volatile MigrationReport report;
    private volatile MigrationStatus finalStatus;
    private volatile Outcome outcome;

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
        this.to = to;
        this.strategy = strategy;
        this.target = target;
        this.source = source;
    }

    /** Migration id. */
    public String id() {
        return id;
    }

    /** The VM that moves. */
    public HostedVm vm() {
        return vm;
    }

    /** The target's control API address. */
    public String to() {
        return to;
    }

    /** The chosen strategy. */
    public Strategy strategy() {
        return strategy;
    }

    /** The engine's side of it. */
    public MigrationSource source() {
        return source;
    }

    /** The target's migration endpoint (updated by a recovery). */
    public InetSocketAddress target() {
        return target;
    }

    /** Records a new migration endpoint of the target (after it restarted). */
    public void retarget(InetSocketAddress endpoint) {
        this.target = endpoint;
    }

    /** The report, once done. */
    public MigrationReport report() {
        return report;
    }

    /** How it ended, or {@code null} while it runs. */
    public Outcome outcome() {
        return outcome;
    }

    /** The live status (the last one once done). */
    public MigrationStatus status() {
        MigrationStatus done = finalStatus;
        if (done != null) {
            return done;
        }
        try {
            return source.status();
        } catch (RuntimeException e) {
            return new MigrationStatus(id, vm.name(), strategy, MigrationPhase.SETUP, 0, 0, 0, 0, 0, 0,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), null);
        }
    }

    /** Records the end of the migration and returns its outcome. */
    Outcome finish(MigrationReport finalReport) {
        MigrationStatus last;
        try {
            last = source.status();
        } catch (RuntimeException e) {
            last = null;
        }
        Outcome o;
        if (finalReport.success()) {
            o = Outcome.COMPLETED;
        } else if (last != null && last.phase() == MigrationPhase.CANCELLED) {
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
                ? new MigrationStatus(id, vm.name(), strategy, phase, last.round(), last.remainingPages(),
                        last.dirtyRatePagesPerSec(), last.rateLimitBitsPerSec(), last.throttle(),
                        Math.max(last.bytesSent(), finalReport.bytesOnWire()), elapsed, finalReport.error())
                : new MigrationStatus(id, vm.name(), strategy, phase, finalReport.rounds().size(), 0, 0, 0, 0,
                        finalReport.bytesOnWire(), elapsed, finalReport.error());
        this.report = finalReport;
        this.outcome = o;
        return o;
    }
}
