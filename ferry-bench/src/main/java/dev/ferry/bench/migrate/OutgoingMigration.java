package dev.ferry.bench.migrate;

import dev.ferry.machine.board.VmRunner;
import dev.ferry.migration.EncryptionPolicy;
import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.MigrationReport;
import dev.ferry.migration.MigrationSource;
import dev.ferry.migration.VmDescriptor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The source side of one benchmark migration: starts a {@link MigrationSource} towards a target's receiver,
 * waits for the report with a timeout (cancelling a pre-copy that does not converge), and notes the wall-clock
 * window the migration ran in, so that each side's GC pauses can be matched to it.
 */
final class OutgoingMigration {

    /** The secret the benchmark's hosts share. */
    static final byte[] SECRET = "ferry bench migrate".getBytes(StandardCharsets.UTF_8);

    /**
     * What happened.
     *
     * @param report  the engine's report, or {@code null} when the benchmark gave up waiting
     * @param failure why the benchmark gave up, or {@code null}
     * @param from    when the migration started
     * @param to      when its report arrived (or the benchmark gave up)
     */
    record Outcome(MigrationReport report, String failure, Instant from, Instant to) {

        /** True when the engine reports success. */
        boolean success() {
            return report != null && report.success();
        }

        /** Why it failed, or {@code null}. */
        String error() {
            return failure != null ? failure : report.success() ? null : report.error();
        }
    }

    private OutgoingMigration() {
    }

    /**
     * Migrates {@code vm} (of {@code ramBytes}) to the receiver at {@code target}, encrypted as {@code encryption}
     * says, giving up after the timeout.
     */
    static Outcome run(VmRunner vm, long ramBytes, InetSocketAddress target, MigrationOptions options,
            EncryptionPolicy encryption, long timeoutMillis) throws InterruptedException, ExecutionException {
        MigrationSource source = new MigrationSource(vm.name(), vm, new VmDescriptor(vm.name(), ramBytes, false,
                Long.MAX_VALUE), target, SECRET, options).encryption(encryption);
        Instant from = Instant.now();
        CompletableFuture<MigrationReport> done = source.start();
        try {
            MigrationReport report = done.get(timeoutMillis, TimeUnit.MILLISECONDS);
            return new Outcome(report, null, from, Instant.now());
        } catch (TimeoutException e) {
            long seconds = timeoutMillis / 1000;
            try {
                source.cancel();
            } catch (IllegalStateException afterSwitchover) {
                return new Outcome(null, "post-copy did not complete in " + seconds + " s", from, Instant.now());
            }
            try {
                done.get(30, TimeUnit.SECONDS);
            } catch (TimeoutException stuck) {
                return new Outcome(null, "did not converge in " + seconds + " s, and the cancel did not end it in 30 s",
                        from, Instant.now());
            }
            return new Outcome(null, "did not converge in " + seconds + " s", from, Instant.now());
        }
    }
}
