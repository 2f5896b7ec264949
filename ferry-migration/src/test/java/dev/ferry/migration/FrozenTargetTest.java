package dev.ferry.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.board.VmRunner;
import dev.ferry.migration.wire.Frame;
import dev.ferry.migration.wire.FrameType;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 7, defect 6: a target that stops answering during the switchover held the source VM paused without limit.
 * With the switchover deadline the source aborts before COMMIT, resumes the VM (its state at the limit is the
 * unmigrated one) and says why; the target, once it answers again, discards its copy.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FrozenTargetTest {

    private static final Harness.Guest G = Harness.MUNCH;
    private static final long DEADLINE_MS = 1000;

    /** Stop-and-copy at 20 Mbit/s: the 4 MiB working set takes about 1.7 s, longer than the deadline. */
    @Test
    void aTargetFrozenDuringStopAndCopyCostsAtMostTheDeadline() throws Exception {
        Options o = Options.of(Strategy.STOPCOPY);
        o.bandwidth = 20_000_000L;
        o.switchoverTimeout = DEADLINE_MS;
        abortsAtTheDeadline(o.build(), null, true);
    }

    /** Post-copy: the SWITCHOVER frame never reaches the target, so no READY comes back. */
    @Test
    void aPostcopySwitchoverWithoutReadyCostsAtMostTheDeadline() throws Exception {
        Options o = Options.of(Strategy.POSTCOPY);
        o.switchoverTimeout = DEADLINE_MS;
        abortsAtTheDeadline(o.build(), f -> f.type() == FrameType.SWITCHOVER ? null : f, false);
    }

    private static void abortsAtTheDeadline(MigrationOptions o, UnaryOperator<Frame> rewrite, boolean freeze)
            throws Exception {
        try (Harness.Host target = new Harness.Host(); Proxy proxy = new Proxy(target.endpoint(), rewrite)) {
            VmRunner vm = G.start("vm");
            MigrationSource source = new MigrationSource("frozen", vm, G.descriptor("vm"), proxy.endpoint(),
                    Harness.SECRET, o);
            CompletableFuture<MigrationReport> f = source.start();
            if (freeze) {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (source.status().phase() != MigrationPhase.STOP_AND_COPY && !f.isDone()) {
                    assertThat(System.nanoTime()).as("stop-and-copy begins").isLessThan(until);
                    Thread.sleep(1);
                }
                proxy.freeze();
            }
            MigrationReport report = f.get(20, TimeUnit.SECONDS);

            assertThat(report.success()).isFalse();
            assertThat(report.error()).contains("did not confirm the switchover within the deadline of "
                    + DEADLINE_MS + " ms");
            assertThat(report.notes()).anyMatch(n -> n.startsWith("switchover deadline of " + DEADLINE_MS + " ms "
                    + "passed")).contains("the VM keeps running on the source");
            assertThat(report.downtimeMs()).as("the VM was paused about the deadline")
                    .isBetween(DEADLINE_MS * 0.9, DEADLINE_MS + 1500.0);
            assertThat(source.status().phase()).isEqualTo(MigrationPhase.FAILED);
            assertThat(vm.state()).as("the VM runs on the source again").isIn(VmRunner.RunState.RUNNING,
                    VmRunner.RunState.LIMIT_REACHED);

            proxy.thaw();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (target.abandoned.isEmpty() || !target.receiver.activeMigrations().isEmpty()) {
                assertThat(System.nanoTime()).as("the target discards its copy").isLessThan(until);
                Thread.sleep(5);
            }
            assertThat(target.arrived).as("nothing runs on the target").isEmpty();
            assertThat(Harness.hashAtLimit(vm)).as("source VM unharmed").isEqualTo(G.reference());
            vm.close();
        }
    }
}
