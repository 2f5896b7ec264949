package dev.ferry.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.migration.wire.Handshake;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Hosts of adjacent protocol versions migrate to each other: a source limited to version 2 to a current target,
 * a current source to a target limited to version 2 (which refuses version 3 as version-2 builds do), and current
 * hosts with each other, where the VM's image, boot arguments and console history travel with it.
 */
class ProtocolVersionTest {

    private static final Harness.Guest G = Harness.MUNCH;
    private static final String IMAGE = "munch";

    /** A target that records what arrives. */
    private static final class Target implements IncomingVmHandler, AutoCloseable {
        final LinkedBlockingQueue<VmRunner> arrived = new LinkedBlockingQueue<>();
        final List<VmDescriptor> descriptors = new CopyOnWriteArrayList<>();
        final List<ConsoleHistory> histories = new CopyOnWriteArrayList<>();
        final List<String> machineBootArgs = new CopyOnWriteArrayList<>();
        final MigrationReceiver receiver;

        Target(int maxVersion) throws Exception {
            receiver = new MigrationReceiver(new InetSocketAddress("127.0.0.1", 0), Harness.SECRET, this, maxVersion);
        }

        @Override
        public boolean canAccept(VmDescriptor vm) {
            return true;
        }

        @Override
        public OutputStream consoleFor(VmDescriptor vm) {
            return new ByteArrayOutputStream();
        }

        @Override
        public void consoleHistory(VmDescriptor vm, ConsoleHistory history) {
            histories.add(history);
        }

        @Override
        public void arrived(VmDescriptor vm, VmRunner runner) {
            descriptors.add(vm);
            machineBootArgs.add(runner.machine().config().bootArgs());
            arrived.add(runner);
        }

        VmRunner awaitArrival() throws InterruptedException {
            VmRunner r = arrived.poll(60, TimeUnit.SECONDS);
            assertThat(r).as("VM arrived on the target").isNotNull();
            return r;
        }

        @Override
        public void close() {
            receiver.close();
            VmRunner r;
            while ((r = arrived.poll()) != null) {
                r.close();
            }
        }
    }

    /**
     * Migrates the guest from a source speaking up to {@code sourceVersion} to a target speaking up to
     * {@code targetVersion}; checks the VM reaches the unmigrated state there and returns the target.
     */
    private static Target migrate(int sourceVersion, int targetVersion, Strategy strategy) throws Exception {
        Target target = new Target(targetVersion);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        VirtMachine m = GuestFixtures.boot(IMAGE, G.args(), Harness.RAM, true, console);
        VmRunner vm = new VmRunner(m, "vm", G.limit());
        vm.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (console.size() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        VmDescriptor d = new VmDescriptor("vm", Harness.RAM, true, G.limit(), false, IMAGE, G.args());
        MigrationSource source = new MigrationSource("p1", vm, d, target.receiver.endpoint(), Harness.SECRET,
                MigrationOptions.defaults(strategy), sourceVersion).consoleHistory(() -> {
                    byte[] out = console.toByteArray();
                    return new ConsoleHistory(out.length, out);
                });
        MigrationReport report = source.start().get(120, TimeUnit.SECONDS);
        assertThat(report.success()).as(report.error()).isTrue();
        vm.close();
        VmRunner arrived = target.awaitArrival();
        assertThat(Harness.hashAtLimit(arrived)).as("VM state at the limit").isEqualTo(G.reference());
        return target;
    }

    @Test
    void aVersion2SourceMigratesToACurrentTarget() throws Exception {
        try (Target target = migrate(2, Handshake.VERSION, Strategy.PRECOPY)) {
            assertThat(target.descriptors).singleElement()
                    .isEqualTo(new VmDescriptor("vm", Harness.RAM, true, G.limit(), false, "", ""));
            assertThat(target.histories).as("no console history in version 2").isEmpty();
        }
    }

    @Test
    void aCurrentSourceMigratesToAVersion2Target() throws Exception {
        try (Target target = migrate(Handshake.VERSION, 2, Strategy.POSTCOPY)) {
            assertThat(target.descriptors).singleElement()
                    .isEqualTo(new VmDescriptor("vm", Harness.RAM, true, G.limit(), false, "", ""));
            assertThat(target.histories).isEmpty();
        }
    }

    @Test
    void currentHostsCarryImageBootArgumentsAndConsoleHistory() throws Exception {
        try (Target target = migrate(Handshake.VERSION, Handshake.VERSION, Strategy.PRECOPY)) {
            assertThat(target.descriptors).singleElement()
                    .isEqualTo(new VmDescriptor("vm", Harness.RAM, true, G.limit(), false, IMAGE, G.args()));
            assertThat(target.machineBootArgs).as("the target's machine has the boot arguments")
                    .containsExactly(G.args());
            assertThat(target.histories).singleElement().satisfies(h -> {
                assertThat(new String(h.tail(), StandardCharsets.US_ASCII)).startsWith("munch: wss=4096 KiB");
                assertThat(h.totalBytes()).isEqualTo(h.tail().length);
            });
        }
    }
}
