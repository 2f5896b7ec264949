package dev.ferry.migration;


import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.board.VmRunner;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Figures, not checks: downtime and total time of a 64 MiB munch VM on loopback for each strategy. Run with
 * {@code -Dferry.measure=true}; each migration is repeated and the last run is printed (the first ones warm up
 * the JIT).
 */
@EnabledIfSystemProperty(named = "ferry.measure", matches = "true")
class MeasureTest {

    @Test
    void munch64MiBPerStrategy() throws Exception {
        String args = System.getProperty("ferry.measure.args", "wss=48M passes=0");
        String only = System.getProperty("ferry.measure.only", "");
        for (Strategy s : Strategy.values()) {
            if (!only.isEmpty() && !only.equals(s.name())) {
                continue;
            }
            MigrationReport last = null;
            for (int i = 0; i < 3; i++) {
                try (Harness.Host target = new Harness.Host()) {
                    VirtMachine m = GuestFixtures.boot("munch", args, 64L << 20, true, new ByteArrayOutputStream());
                    VmRunner vm = new VmRunner(m, "measure", Long.MAX_VALUE);
                    vm.start();
                    while (m.memory().allocatedPages() < 12288) {
                        Thread.sleep(5);
                    }
                    Options o = Options.of(s);
                    o.precopyRounds = 1;
                    o.onStall = StallAction.THROTTLE;
                    o.lz4 = Boolean.getBoolean("ferry.measure.lz4");
                    o.streams = Integer.getInteger("ferry.measure.streams", 1);
                    MigrationSource src = new MigrationSource("m" + i, vm,
                            new VmDescriptor("measure", 64L << 20, true, Long.MAX_VALUE), target.endpoint(),
                            Harness.SECRET, o.build());
                    java.util.concurrent.CompletableFuture<MigrationReport> f = src.start();
                    if (s == Strategy.DEMAND) {
                        Thread.sleep(300);
                        src.pushRemaining();
                    }
                    last = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                    assertThat(last.success()).as(last.error()).isTrue();
                    vm.close();
                    target.awaitArrival().close();
                }
            }
            System.out.printf("MEASURE %-9s total %7.1f ms  downtime %6.1f ms  %,12d bytes  rounds %d  faults %d "
                    + "(mean %.2f ms)  %s%n", s, last.totalTimeMs(), last.downtimeMs(), last.bytesOnWire(),
                    last.rounds().size(), last.postcopyFaults(), last.faultLatencyMeanMs(), last.notes());
        }
    }
}
