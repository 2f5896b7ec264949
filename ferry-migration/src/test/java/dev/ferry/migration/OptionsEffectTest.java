package dev.ferry.migration;


import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.memory.GuestMemory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

/** Options do what they say: free pages stay home, throttling is undone, the status tells the truth. */
class OptionsEffectTest {

    @Test
    void reportedFreePagesAreNotSent() throws Exception {
        Harness.Guest g = Harness.IDLE;
        try (Harness.Host target = new Harness.Host()) {
            VmRunner vm = g.start("vm");
            while (vm.state() != VmRunner.RunState.LIMIT_REACHED) {
                Thread.sleep(2);
            }
            GuestMemory mem = vm.machine().memory();
            int freed = 0;
            for (int p = mem.pageCount() - 1; p >= 0 && freed < 10; p--) {
                if (!mem.isZeroPage(p)) {
                    mem.reportFree(p);
                    freed++;
                }
            }
            Options o = Options.of(Strategy.STOPCOPY);
            o.skipFree = true;
            MigrationReport r = Harness.migrate("free", vm, g, target.endpoint(), o.build());
            assertThat(r.success()).as(r.error()).isTrue();
            assertThat(r.pagesByEncoding()).containsEntry("skipped-free", 10L);
            GuestMemory arrived = target.awaitArrival().machine().memory();
            for (int p = 0; p < mem.pageCount(); p++) {
                if (mem.isReportedFree(p)) {
                    assertThat(arrived.isAllocated(p)).as("free page %d not sent", p).isFalse();
                }
            }
            vm.close();
        }
    }

    @Test
    void statusIsLiveAndThrottleIsUndoneOnCancel() throws Exception {
        Harness.Guest g = new Harness.Guest("munch", "wss=4M passes=0", 2_000_000_000L);
        Options o = Options.of(Strategy.PRECOPY);
        o.autoConverge = true;
        o.bandwidth = 100_000_000L;
        o.maxDowntime = 0;
        o.maxRounds = 1000;
        o.onStall = StallAction.THROTTLE;
        try (Harness.Host target = new Harness.Host()) {
            VmRunner vm = g.start("vm");
            MigrationSource src = new MigrationSource("st", vm, g.descriptor("vm"), target.endpoint(), Harness.SECRET,
                    o.build());
            CompletableFuture<MigrationReport> f = src.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (src.status().throttle() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            MigrationStatus s = src.status();
            assertThat(s.phase()).isEqualTo(MigrationPhase.PRECOPY);
            assertThat(s.throttle()).isGreaterThanOrEqualTo(0.2);
            assertThat(s.round()).isGreaterThanOrEqualTo(1);
            assertThat(s.bytesSent()).isPositive();
            assertThat(s.rateLimitBitsPerSec()).isEqualTo(100_000_000L);
            assertThat(s.dirtyRatePagesPerSec()).isPositive();
            src.cancel();
            MigrationReport r = f.get(30, TimeUnit.SECONDS);
            assertThat(r.success()).isFalse();
            assertThat(src.status().phase()).isEqualTo(MigrationPhase.CANCELLED);
            assertThat(r.notes()).anyMatch(n -> n.contains("throttle raised to 20%"));
            assertThat(vm.throttle()).isZero();
            assertThat(vm.state()).isEqualTo(VmRunner.RunState.RUNNING);
            vm.close();
        }
    }
}
