package dev.ferry.migration;

import dev.ferry.machine.board.VmRunner;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * The sending side of one migration. It drives the VM's runner (pause, throttle, dirty-log harvests at
 * safepoints), connects to a target's {@link MigrationReceiver}, and completes with a report. Until the target
 * acknowledges a complete image, any failure leaves the VM running here.
 */
public final class MigrationSource {

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
        throw new UnsupportedOperationException("migration engine not built yet");
    }

    /** Starts the migration on its own threads; the future completes with the report, success or not. */
    public CompletableFuture<MigrationReport> start() {
        throw new UnsupportedOperationException("migration engine not built yet");
    }

    /** A snapshot of the progress. Thread-safe. */
    public MigrationStatus status() {
        throw new UnsupportedOperationException("migration engine not built yet");
    }

    /** Cancels before switchover (the VM keeps running here); after switchover it is refused. Thread-safe. */
    public void cancel() {
        throw new UnsupportedOperationException("migration engine not built yet");
    }

    /** Post-copy with a lost connection: reconnects to {@code target} and resumes. Thread-safe. */
    public void recover(InetSocketAddress target) {
        throw new UnsupportedOperationException("migration engine not built yet");
    }
}
