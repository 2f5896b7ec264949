package dev.ferry.migration;

import dev.ferry.machine.board.VmRunner;
import dev.ferry.migration.source.SourceMigration;
import dev.ferry.migration.wire.Handshake;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The sending side of one migration. It drives the VM's runner (pause, throttle, dirty-log harvests at
 * safepoints), connects to a target's {@link MigrationReceiver}, and completes with a report. Until the target
 * acknowledges a complete image, any failure leaves the VM running here.
 *
 * <p>On success the VM is left paused here and belongs to the target: the caller releases it with
 * {@link VmRunner#close()}. On failure before switchover it runs here as before.
 */
public final class MigrationSource {

    private final SourceMigration engine;

    /**
     * Prepares a migration; nothing happens until {@link #start()}.
     *
     * @param id      migration id (unique on this host)
     * @param vm      the running VM
     * @param vmInfo  host-side facts that travel with it
     * @param target  the target host's migration endpoint
     * @param secret  the shared secret both hosts authenticate with
     * @param options what the user chose
     */
    public MigrationSource(String id, VmRunner vm, VmDescriptor vmInfo, InetSocketAddress target, byte[] secret,
            MigrationOptions options) {
        this(id, vm, vmInfo, target, secret, options, Handshake.VERSION);
    }

    MigrationSource(String id, VmRunner vm, VmDescriptor vmInfo, InetSocketAddress target, byte[] secret,
            MigrationOptions options, int protocolVersion) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(vmInfo, "vmInfo");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(options, "options");
        if (secret.length == 0) {
            throw new IllegalArgumentException("the shared secret must not be empty");
        }
        if (vmInfo.ramSize() != vm.machine().config().ramSize()
                || vmInfo.deterministic() != vm.machine().config().deterministic()) {
            throw new IllegalArgumentException("VM descriptor does not match the machine's RAM size or time mode");
        }
        this.engine = new SourceMigration(id, vm, vmInfo, target, secret, options, protocolVersion);
    }

    /**
     * Where the VM's recent console output comes from: asked once the VM is paused for switchover, and sent to
     * targets that speak protocol 3 or newer. Without it no console output travels. Call before {@link #start()}.
     */
    public MigrationSource consoleHistory(Supplier<ConsoleHistory> history) {
        engine.consoleHistory(Objects.requireNonNull(history, "history"));
        return this;
    }

    /**
     * Whether the connections to the target are encrypted: by default ({@link EncryptionPolicy#DEFAULT}) when the
     * target is not loopback or asks for it. The target must agree, or the migration fails before anything moves.
     * Call before {@link #start()}.
     */
    public MigrationSource encryption(EncryptionPolicy policy) {
        engine.encryption(Objects.requireNonNull(policy, "policy"));
        return this;
    }

    /** Starts the migration on its own threads; the future completes with the report, success or not. */
    public CompletableFuture<MigrationReport> start() {
        return engine.start();
    }

    /**
     * Completes when the VM runs on the target: its downtime is over (a post-copy migration still moves pages
     * afterwards, and one that lost its connection after COMMIT counts as switched over: it waits for a recovery).
     * Completes exceptionally when the migration ends without that. Hosts free admission slots here.
     */
    public CompletableFuture<Void> runningOnTarget() {
        return engine.runningOnTarget();
    }

    /** A snapshot of the progress. Thread-safe. */
    public MigrationStatus status() {
        return engine.status();
    }

    /** Cancels before switchover (the VM keeps running here); after switchover it is refused. Thread-safe. */
    public void cancel() {
        engine.cancel();
    }

    /** Post-copy with a lost connection: reconnects to {@code target} and resumes. Thread-safe. */
    public void recover(InetSocketAddress target) {
        engine.recover(target);
    }

    /**
     * Demand migration: stop pulling page by page and push every page the target has not pulled yet (the target
     * asks for this by itself once its VM stops running). Thread-safe; no effect before switchover.
     */
    public void pushRemaining() {
        engine.pushRemaining();
    }
}
