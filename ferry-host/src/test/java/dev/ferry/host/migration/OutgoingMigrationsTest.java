package dev.ferry.host.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import dev.ferry.host.vm.ConsoleBuffer;
import dev.ferry.host.vm.HostedVm;
import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.MigrationReport;
import dev.ferry.migration.MigrationSource;
import dev.ferry.migration.Strategy;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OutgoingMigrationsTest {

    private final VmRunner runner = new VmRunner(new VirtMachine(new MachineConfig(2L << 20, true, "",
            new ByteArrayOutputStream())), "vm1", Long.MAX_VALUE);
    private final HostedVm vm = new HostedVm("vm1", "idle", runner, new ConsoleBuffer(16));

    @AfterEach
    void close() {
        runner.close();
    }

    /** A migration that was never started (its engine is only asked for its status). */
    private OutgoingMigration migration(String id, Strategy strategy) {
        MigrationSource source = new MigrationSource(id, runner, vm.descriptor(), new InetSocketAddress(1),
                new byte[] {1}, MigrationOptions.defaults(strategy));
        return new OutgoingMigration(id, vm, "127.0.0.1:1", strategy, new InetSocketAddress(1), source);
    }

    private static MigrationReport report(String id, boolean success, double downtimeMs) {
        return new MigrationReport(id, "vm1", Strategy.PRECOPY, success, success ? null : "target reported: no",
                List.of(), 10, downtimeMs, 1000, Map.of(), 0, 0, 0, List.of(), Map.of());
    }

    @Test
    void remembersOnlyTheNewestFinishedMigrationsButCountsThemAll() {
        OutgoingMigrations all = new OutgoingMigrations(2);
        OutgoingMigration running = migration("A-1", Strategy.PRECOPY);
        all.add(running);
        for (int i = 2; i <= 6; i++) {
            OutgoingMigration m = migration("A-" + i, Strategy.PRECOPY);
            all.add(m);
            all.finish(m, report(m.id(), i % 2 == 0, i));
        }
        assertThat(all.all()).extracting(OutgoingMigration::id).containsExactly("A-1", "A-5", "A-6");
        assertThat(all.running()).containsExactly(running);
        assertThat(all.get("A-2")).isEmpty();
        assertThat(all.count(OutgoingMigration.Outcome.COMPLETED)).isEqualTo(3);
        assertThat(all.count(OutgoingMigration.Outcome.FAILED)).isEqualTo(2);
        assertThat(all.bytesSent()).isEqualTo(5000);
    }

    @Test
    void aFinishedMigrationLetsGoOfTheVmAndRefusesControl() {
        OutgoingMigrations all = new OutgoingMigrations();
        OutgoingMigration m = migration("A-1", Strategy.DEMAND);
        all.add(m);
        assertThatThrownBy(m::pushRemaining).hasMessageContaining("not past switchover yet (phase setup)");
        OutgoingMigration.Ended ended = all.finish(m, report("A-1", true, 3));
        assertThat(ended.vm()).isSameAs(vm);
        assertThat(ended.outcome()).isEqualTo(OutgoingMigration.Outcome.COMPLETED);
        assertThat(m.vmName()).isEqualTo("vm1");
        assertThat(m.status().phase().name()).isEqualTo("COMPLETED");
        assertThatThrownBy(m::cancel).hasMessage("migration A-1 has already ended (completed)");
        assertThatThrownBy(m::pushRemaining).hasMessage("migration A-1 has already ended (completed)");
    }

    @Test
    void downtimesOfCompletedMigrationsFillTheHistogram() {
        OutgoingMigrations all = new OutgoingMigrations();
        double[] downtimesMs = {0.3, 1.5, 4, 700, 20_000};
        for (int i = 0; i < downtimesMs.length; i++) {
            OutgoingMigration m = migration("A-" + i, Strategy.PRECOPY);
            all.add(m);
            all.finish(m, report(m.id(), true, downtimesMs[i]));
        }
        OutgoingMigration failed = migration("A-9", Strategy.PRECOPY);
        all.add(failed);
        all.finish(failed, report("A-9", false, 50));
        var h = all.downtimeSeconds();
        assertThat(h.bounds()[0]).isEqualTo(0.0005);
        assertThat(h.bounds()[h.bounds().length - 1]).isEqualTo(10);
        assertThat(h.cumulative()).startsWith(1, 1, 2, 3, 3, 3, 3, 3, 3, 3, 4).endsWith(4);
        assertThat(h.count()).isEqualTo(5);
        assertThat(h.sum()).isCloseTo(20.7058, offset(1e-9));
    }
}
