package dev.ferry.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.migration.wire.Handshake;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Hosts of adjacent protocol versions migrate to each other: a source limited to version 2 to a current target,
 * a current source to a target limited to version 2 (which refuses newer versions as version-2 builds do) or to
 * version 3 (which negotiates down), and current
 * hosts with each other, where the VM's image, boot arguments and console history travel with it.
 */
class ProtocolVersionTest {

    private static final Harness.Guest G = Harness.MUNCH;
    private static final String IMAGE = "munch";

    /** What a migration left on its target. */
    private record Arrival(Harness.Host target, VmRunner vm) implements AutoCloseable {
        @Override
        public void close() {
            vm.close();
            target.close();
        }
    }

    /**
     * Migrates the guest from a source speaking up to {@code sourceVersion} to a target speaking up to
     * {@code targetVersion}; checks the VM reaches the unmigrated state there and returns what arrived. Pre-copy
     * stops after three rounds, so a munch that out-dirties a busy machine cannot stall it into an abort: these
     * tests are about versions, not convergence.
     */
    private static Arrival migrate(int sourceVersion, int targetVersion, Strategy strategy) throws Exception {
        Harness.Host target = new Harness.Host(targetVersion);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        VirtMachine m = GuestFixtures.boot(IMAGE, G.args(), Harness.RAM, true, console);
        VmRunner vm = new VmRunner(m, "vm", G.limit());
        vm.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (console.size() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        VmDescriptor d = new VmDescriptor("vm", Harness.RAM, true, G.limit(), false, IMAGE, G.args());
        Options o = Options.of(strategy);
        o.maxRounds = 3;
        MigrationSource source = new MigrationSource("p1", vm, d, target.receiver.endpoint(), Harness.SECRET,
                o.build(), sourceVersion).consoleHistory(() -> {
                    byte[] out = console.toByteArray();
                    return new ConsoleHistory(out.length, out);
                });
        MigrationReport report = source.start().get(120, TimeUnit.SECONDS);
        assertThat(report.success()).as(report.error()).isTrue();
        vm.close();
        VmRunner arrived = target.awaitArrival();
        assertThat(Harness.hashAtLimit(arrived)).as("VM state at the limit").isEqualTo(G.reference());
        return new Arrival(target, arrived);
    }

    @Test
    void aVersion2SourceMigratesToACurrentTarget() throws Exception {
        try (Arrival arrival = migrate(2, Handshake.VERSION, Strategy.PRECOPY)) {
            assertThat(arrival.target().descriptors).singleElement()
                    .isEqualTo(new VmDescriptor("vm", Harness.RAM, true, G.limit(), false, "", ""));
            assertThat(arrival.target().histories).as("no console history in version 2").isEmpty();
        }
    }

    @Test
    void aCurrentSourceMigratesToAVersion2Target() throws Exception {
        try (Arrival arrival = migrate(Handshake.VERSION, 2, Strategy.POSTCOPY)) {
            assertThat(arrival.target().descriptors).singleElement()
                    .isEqualTo(new VmDescriptor("vm", Harness.RAM, true, G.limit(), false, "", ""));
            assertThat(arrival.target().histories).isEmpty();
        }
    }

    @Test
    void aCurrentSourceMigratesAVmWithoutNewDevicesToAVersion3Target() throws Exception {
        try (Arrival arrival = migrate(Handshake.VERSION, 3, Strategy.PRECOPY)) {
            assertThat(arrival.target().descriptors).singleElement()
                    .isEqualTo(new VmDescriptor("vm", Harness.RAM, true, G.limit(), false, IMAGE, G.args()));
            assertThat(arrival.target().histories).hasSize(1);
        }
    }

    @Test
    void currentHostsCarryImageBootArgumentsAndConsoleHistory() throws Exception {
        try (Arrival arrival = migrate(Handshake.VERSION, Handshake.VERSION, Strategy.PRECOPY)) {
            assertThat(arrival.target().descriptors).singleElement()
                    .isEqualTo(new VmDescriptor("vm", Harness.RAM, true, G.limit(), false, IMAGE, G.args()));
            assertThat(arrival.vm().machine().config().bootArgs()).as("the target's machine has the boot arguments")
                    .isEqualTo(G.args());
            assertThat(arrival.target().histories).singleElement().satisfies(h -> {
                assertThat(new String(h.tail(), StandardCharsets.US_ASCII)).startsWith("munch: wss=4096 KiB");
                assertThat(h.totalBytes()).isEqualTo(h.tail().length);
            });
        }
    }
}
