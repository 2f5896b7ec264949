package dev.ferry.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.board.VmRunner;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 7, defect 9, target side: a host takes in at most {@code maxIncoming} migrations at once. Sources beyond
 * that are told to wait, wait in phase QUEUED with their VM running untouched, and are taken in order.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IncomingAdmissionTest {

    /** Counts the machines built here, and those not yet arrived (or discarded). */
    private static final class CountingHost extends Harness.Host {
        final AtomicInteger built = new AtomicInteger();
        final AtomicInteger inFlight = new AtomicInteger();

        CountingHost(int maxIncoming) throws Exception {
            super(ReceiverLimits.defaults().withMaxIncoming(maxIncoming));
        }

        @Override
        public OutputStream consoleFor(VmDescriptor vm) {
            built.incrementAndGet();
            inFlight.incrementAndGet();
            return super.consoleFor(vm);
        }

        @Override
        public void arrived(VmDescriptor vm, VmRunner runner) {
            inFlight.decrementAndGet();
            super.arrived(vm, runner);
        }

        @Override
        public void abandoned(VmDescriptor vm, String reason) {
            inFlight.decrementAndGet();
            super.abandoned(vm, reason);
        }
    }

    private static MigrationSource source(String id, VmRunner vm, Harness.Guest g, Harness.Host target,
            MigrationOptions o) {
        return new MigrationSource(id, vm, new VmDescriptor(vm.name(), Harness.RAM, true, g.limit()),
                target.endpoint(), Harness.SECRET, o);
    }

    /** Three migrations of about 0.8 s each (2 MiB at 20 Mbit/s) into a host that takes one at a time. */
    @Test
    void migrationsBeyondTheLimitWaitTheirTurnAndAllArrive() throws Exception {
        try (CountingHost target = new CountingHost(1)) {
            List<VmRunner> vms = new ArrayList<>();
            List<MigrationSource> sources = new ArrayList<>();
            List<CompletableFuture<MigrationReport>> reports = new ArrayList<>();
            Options o = Options.of(Strategy.PRECOPY);
            o.bandwidth = 20_000_000L;
            for (int i = 0; i < 3; i++) {
                VmRunner vm = Harness.IDLE.start("vm" + i);
                vms.add(vm);
                sources.add(source("in" + i, vm, Harness.IDLE, target, o.build()));
            }
            for (MigrationSource s : sources) {
                reports.add(s.start());
            }
            boolean sawQueued = false;
            int maxInPrecopy = 0;
            while (!reports.stream().allMatch(CompletableFuture::isDone)) {
                int inPrecopy = 0;
                for (MigrationSource s : sources) {
                    MigrationPhase phase = s.status().phase();
                    sawQueued |= phase == MigrationPhase.QUEUED;
                    inPrecopy += phase == MigrationPhase.PRECOPY ? 1 : 0;
                }
                maxInPrecopy = Math.max(maxInPrecopy, inPrecopy);
                Thread.sleep(2);
            }
            for (CompletableFuture<MigrationReport> f : reports) {
                MigrationReport r = f.get();
                assertThat(r.success()).as(r.error()).isTrue();
            }
            assertThat(sawQueued).as("a source waited in phase QUEUED").isTrue();
            assertThat(maxInPrecopy).as("migrations in pre-copy at once (each holds the target's slot)")
                    .isEqualTo(1);
            assertThat(reports.stream().map(CompletableFuture::join).flatMap(r -> r.notes().stream()))
                    .anyMatch(n -> n.matches("waited \\d+ ms in the target's queue"));
            assertThat(target.log).anyMatch(l -> l.matches("incoming migration in\\d from .* waits: number 1 in the "
                    + "queue \\(1 under way, limit 1\\)"));
            for (int i = 0; i < 3; i++) {
                target.awaitArrival().close();
                vms.get(i).close();
            }
        }
    }

    @Test
    void aMigrationQueuedAtTheTargetCanBeCancelledAndItsVmNeverPaused() throws Exception {
        try (CountingHost target = new CountingHost(1)) {
            VmRunner busy = Harness.IDLE.start("busy");
            Options slow = Options.of(Strategy.PRECOPY);
            slow.bandwidth = 10_000_000L;
            CompletableFuture<MigrationReport> first = source("first", busy, Harness.IDLE, target, slow.build())
                    .start();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (target.inFlight.get() == 0) {
                assertThat(System.nanoTime()).as("the first migration is taken in").isLessThan(until);
                Thread.sleep(2);
            }
            VmRunner waiting = Harness.IDLE.start("waiting");
            MigrationSource second = source("second", waiting, Harness.IDLE, target,
                    MigrationOptions.defaults(Strategy.PRECOPY));
            CompletableFuture<MigrationReport> f = second.start();
            while (second.status().phase() != MigrationPhase.QUEUED) {
                assertThat(System.nanoTime()).as("the second migration is queued").isLessThan(until);
                assertThat(f).isNotDone();
                Thread.sleep(2);
            }
            second.cancel();
            MigrationReport r = f.get(10, TimeUnit.SECONDS);
            assertThat(r.success()).isFalse();
            assertThat(r.error()).isEqualTo("cancelled by the user");
            assertThat(r.downtimeMs()).as("never paused").isZero();
            assertThat(second.status().phase()).isEqualTo(MigrationPhase.CANCELLED);
            assertThat(waiting.state()).isIn(VmRunner.RunState.RUNNING, VmRunner.RunState.LIMIT_REACHED);

            MigrationReport done = first.get(60, TimeUnit.SECONDS);
            assertThat(done.success()).as(done.error()).isTrue();
            assertThat(target.built.get()).as("nothing was built for the cancelled one").isEqualTo(1);
            target.awaitArrival().close();
            busy.close();
            waiting.close();
        }
    }
}
