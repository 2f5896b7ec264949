package dev.ferry.bench.migrate;

import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.image.ElfImage;
import dev.ferry.migration.IncomingVmHandler;
import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.MigrationReceiver;
import dev.ferry.migration.MigrationReport;
import dev.ferry.migration.MigrationSource;
import dev.ferry.migration.VmDescriptor;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Migrates one real-time Ferry VM inside this JVM: the source runner and a {@link MigrationReceiver} on loopback,
 * connected over real TCP, exactly as two hosts would be, minus the network.
 */
final class FerryMigrationRun {

    private static final byte[] SECRET = "ferry bench migrate".getBytes(StandardCharsets.UTF_8);

    private static final long READY_MILLIS = 60_000;

    private final long warmupMillis;
    private final long timeoutMillis;

    FerryMigrationRun(long warmupMillis, long timeoutMillis) {
        this.warmupMillis = warmupMillis;
        this.timeoutMillis = timeoutMillis;
    }

    /** Boots the guest, waits until it is ready plus the warm-up, migrates it with {@code options}, releases both sides. */
    MigrationResult run(ElfImage image, MigrationCase testCase, String variant, MigrationOptions options)
            throws Exception {
        String name = "bench-" + testCase.image();
        ConsoleWatch console = new ConsoleWatch(testCase.ready());
        VirtMachine machine = new VirtMachine(new MachineConfig(testCase.ramBytes(), false, testCase.args(), console));
        machine.boot(image);
        VmRunner vm = new VmRunner(machine, name, Long.MAX_VALUE);
        try (Target target = new Target()) {
            vm.start();
            if (!console.await(READY_MILLIS)) {
                return MigrationResult.failed("ferry", variant, testCase, "guest did not print '" + testCase.ready()
                        + "' in " + READY_MILLIS / 1000 + " s");
            }
            Thread.sleep(warmupMillis);
            if (vm.state() != VmRunner.RunState.RUNNING) {
                return MigrationResult.failed("ferry", variant, testCase, "guest is " + vm.state() + " before migrating");
            }
            MigrationSource source = new MigrationSource(name, vm, new VmDescriptor(name, testCase.ramBytes(), false,
                    Long.MAX_VALUE), target.endpoint(), SECRET, options);
            CompletableFuture<MigrationReport> done = source.start();
            MigrationReport report;
            try {
                report = done.get(timeoutMillis, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                try {
                    source.cancel();
                } catch (IllegalStateException afterSwitchover) {
                    return MigrationResult.failed("ferry", variant, testCase,
                            "post-copy did not complete in " + timeoutMillis / 1000 + " s");
                }
                done.get(30, TimeUnit.SECONDS);
                return MigrationResult.failed("ferry", variant, testCase,
                        "did not converge in " + timeoutMillis / 1000 + " s");
            }
            return new MigrationResult("ferry", variant, testCase, report.success(), report.totalTimeMs(),
                    report.downtimeMs(), report.bytesOnWire(), precopyRounds(report),
                    report.success() ? String.join("; ", report.notes()) : report.error());
        } finally {
            vm.close();
        }
    }

    private static int precopyRounds(MigrationReport report) {
        return (int) report.rounds().stream().filter(r -> r.kind().equals("precopy")).count();
    }

    /** The receiving host: takes every VM, discards its console, and shuts arrived VMs down when closed. */
    private static final class Target implements IncomingVmHandler, AutoCloseable {
        private final List<VmRunner> arrived = new CopyOnWriteArrayList<>();
        private final MigrationReceiver receiver;

        Target() throws Exception {
            receiver = new MigrationReceiver(new InetSocketAddress("127.0.0.1", 0), SECRET, this);
        }

        InetSocketAddress endpoint() {
            return receiver.endpoint();
        }

        @Override
        public boolean canAccept(VmDescriptor vm) {
            return true;
        }

        @Override
        public OutputStream consoleFor(VmDescriptor vm) {
            return OutputStream.nullOutputStream();
        }

        @Override
        public void arrived(VmDescriptor vm, VmRunner runner) {
            arrived.add(runner);
        }

        @Override
        public void close() {
            receiver.close();
            arrived.forEach(VmRunner::close);
        }
    }
}
