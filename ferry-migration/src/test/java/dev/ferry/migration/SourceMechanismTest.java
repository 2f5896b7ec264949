package dev.ferry.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.board.VmRunner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How the source carries out its policy's decisions: post-copy sends each missing page once within the rate
 * cap, a demand migration finishes once the guest stops faulting, and a report tells how long the VM was paused
 * even when the migration failed.
 */
class SourceMechanismTest {

    private static RoundReport round(MigrationReport r, String kind) {
        return r.rounds().stream().filter(x -> x.kind().equals(kind)).findFirst().orElseThrow();
    }

    @Test
    void postcopySendsEveryMissingPageOnceAndFaultsKeepTheRateCap() throws Exception {
        Harness.Guest g = Harness.MUNCH;
        Options o = Options.of(Strategy.POSTCOPY);
        o.bandwidth = 40_000_000L;
        o.prepaging = 4;
        try (Harness.Host target = new Harness.Host()) {
            VmRunner vm = g.start("vm");
            MigrationReport r = Harness.migrate("pc-once", vm, g, target.endpoint(), o.build());
            assertThat(r.success()).as(r.error()).isTrue();
            assertThat(r.postcopyFaults()).as("the guest faulted while pages were pushed").isPositive();
            RoundReport pc = round(r, "postcopy");
            int missing = vm.machine().memory().allocatedPages();
            assertThat(pc.pages()).as("pages sent after switchover, for %d missing", missing).isEqualTo(missing);
            long byEncoding = r.pagesByEncoding().entrySet().stream().filter(e -> !e.getKey().equals("skipped-free"))
                    .mapToLong(java.util.Map.Entry::getValue).sum();
            assertThat(byEncoding).as("pages by encoding agree with the post-copy round").isEqualTo(pc.pages());
            double mbits = pc.bytes() * 8 / (pc.durationMs() / 1000) / 1e6;
            assertThat(mbits).as("post-copy rate under a 40 Mbit/s cap").isLessThan(48);
            vm.close();
            assertThat(Harness.hashAtLimit(target.awaitArrival())).isEqualTo(g.reference());
        }
    }

    @Test
    void aDemandMigrationFinishesOnceTheGuestStopsFaulting() throws Exception {
        Harness.Guest g = Harness.IDLE;
        Options o = Options.of(Strategy.DEMAND);
        o.demandIdlePush = 200;
        try (Harness.Host target = new Harness.Host()) {
            VmRunner vm = g.start("vm");
            MigrationSource source = new MigrationSource("demand", vm, g.descriptor("vm"), target.endpoint(),
                    Harness.SECRET, o.build());
            MigrationReport r = source.start().get(30, TimeUnit.SECONDS);
            assertThat(r.success()).as(r.error()).isTrue();
            assertThat(round(r, "postcopy").pages()).isEqualTo(vm.machine().memory().allocatedPages());
            vm.close();
            assertThat(Harness.hashAtLimit(target.awaitArrival())).isEqualTo(g.reference());
        }
    }

    @Test
    void aStopAndCopyThatFailsReportsHowLongTheVmWasPaused() throws Exception {
        Harness.Guest g = Harness.MUNCH;
        Options o = Options.of(Strategy.STOPCOPY);
        o.bandwidth = 20_000_000L;
        try (Harness.Host target = new Harness.Host(); Proxy proxy = new Proxy(target.endpoint())) {
            VmRunner vm = g.start("vm");
            MigrationSource source = new MigrationSource("paused", vm, g.descriptor("vm"), proxy.endpoint(),
                    Harness.SECRET, o.build());
            CompletableFuture<MigrationReport> f = source.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while ((source.status().phase() != MigrationPhase.STOP_AND_COPY || proxy.forwarded() < 500_000)
                    && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            proxy.cutAll();
            MigrationReport r = f.get(60, TimeUnit.SECONDS);
            assertThat(r.success()).isFalse();
            assertThat(r.downtimeMs()).as("the VM was paused while pages went out").isGreaterThan(50);
            assertThat(r.downtimeBreakdown()).containsKey("pause");
            assertThat(vm.state()).isIn(VmRunner.RunState.RUNNING, VmRunner.RunState.LIMIT_REACHED);
            assertThat(Harness.hashAtLimit(vm)).isEqualTo(g.reference());
            vm.close();
        }
    }

    @Test
    void theFirstRoundReportsTheGuestsDirtyRate() throws Exception {
        Harness.Guest g = Harness.MUNCH;
        Options o = Options.of(Strategy.PRECOPY);
        try (Harness.Host target = new Harness.Host()) {
            VmRunner vm = g.start("vm");
            MigrationReport r = Harness.migrate("dirty", vm, g, target.endpoint(), o.build());
            assertThat(r.success()).as(r.error()).isTrue();
            assertThat(r.rounds().get(0).dirtyRatePagesPerSec()).as("munch dirties pages in round 1").isPositive();
            assertThat(r.downtimeBreakdown()).containsOnlyKeys("pause", "last_pages", "device_state",
                    "target_resume");
            double phases = r.downtimeBreakdown().values().stream().mapToDouble(Double::doubleValue).sum();
            assertThat(phases).as("the phases add up to the downtime").isCloseTo(r.downtimeMs(),
                    org.assertj.core.data.Offset.offset(0.5));
            vm.close();
            assertThat(Harness.hashAtLimit(target.awaitArrival())).isEqualTo(g.reference());
        }
    }
}
