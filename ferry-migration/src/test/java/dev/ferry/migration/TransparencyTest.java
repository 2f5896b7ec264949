package dev.ferry.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.board.VmRunner;
import org.junit.jupiter.api.Test;

/** A VM migrated mid-run reaches, at its instruction limit, exactly the state of a VM that never migrated. */
class TransparencyTest {

    private static void roundTrip(Harness.Guest g, MigrationOptions o) throws Exception {
        try (Harness.Host target = new Harness.Host()) {
            VmRunner vm = g.start("vm");
            Thread.sleep(30);
            long t0 = System.nanoTime();
            long at = vm.machine().instructions();
            MigrationReport report = Harness.migrate("m1", vm, g, target.endpoint(), o);
            System.out.printf("%s at %d: %s in %.1f ms, downtime %.1f ms, %d bytes, %s %s %s%n", o.strategy(), at,
                    report.success() ? "ok" : report.error(), (System.nanoTime() - t0) / 1e6, report.downtimeMs(),
                    report.bytesOnWire(), report.pagesByEncoding(), report.notes(), report.rounds());
            assertThat(report.success()).as("migration succeeded: %s (target: %s)", report.error(), target.abandoned)
                    .isTrue();
            vm.close();
            VmRunner arrived = target.awaitArrival();
            assertThat(Harness.hashAtLimit(arrived)).isEqualTo(g.reference());
        }
    }

    @Test
    void precopy() throws Exception {
        roundTrip(Harness.MUNCH, MigrationOptions.defaults(Strategy.PRECOPY));
    }

    @Test
    void stopcopy() throws Exception {
        roundTrip(Harness.MUNCH, MigrationOptions.defaults(Strategy.STOPCOPY));
    }

    @Test
    void postcopy() throws Exception {
        roundTrip(Harness.MUNCH, MigrationOptions.defaults(Strategy.POSTCOPY));
    }
}
