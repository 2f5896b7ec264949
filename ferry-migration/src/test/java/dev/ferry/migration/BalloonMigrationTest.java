package dev.ferry.migration;

import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.board.VmRunner;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A guest that gives pages back through the virtio balloon: pre-copy with skipFreePages leaves those pages at
 * home, and the VM still reaches, at its limit, the state of a run that never migrated (the guest rewrites every
 * given page before it uses it again).

 */
class BalloonMigrationTest {

    /**
     * 4 MiB buffer; each pass fills it, gives the upper half to the balloon and re-reads the lower half 100 times
     * (read-only), so the given pages stay free for most of the pass, long enough for a round to find them free
     * on a busy machine; runs forever, so the given pages are written again before the limit.
     */
    private static final Harness.Guest BALLOON = new Harness.Guest("balloon", "size=4M passes=0 reread=100",
            300_000_000L);

    private static VirtMachine boot() {
        VirtMachine m = new VirtMachine(new MachineConfig(Harness.RAM, true, BALLOON.args(),
                new ByteArrayOutputStream()).withBalloon(true));
        try {
            m.boot(GuestFixtures.image(BALLOON.image()));
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return m;
    }

    /** Whether the guest has pages in the balloon now; a racy read from another thread, good as a hint. */
    private static boolean anyReportedFree(VirtMachine m) {
        for (int p = 0; p < m.memory().pageCount(); p++) {
            if (m.memory().isReportedFree(p)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void precopySkipsBalloonedPagesAndStaysTransparent() throws Exception {
        VirtMachine reference = boot();
        reference.run(BALLOON.limit());
        assertThat(reference.instructions()).isEqualTo(BALLOON.limit());
        assertThat(reference.balloon().inflatedPages()).as("the guest used the balloon").isPositive();
        String expected = reference.stateHash();

        Options o = Options.of(Strategy.PRECOPY);
        o.skipFree = true;
        o.maxDowntime = 0;
        o.maxRounds = 4;
        try (Harness.Host target = new Harness.Host()) {
            VirtMachine m = boot();
            VmRunner vm = new VmRunner(m, "vm", BALLOON.limit());
            vm.start();
            while ((m.instructions() < 20_000_000L || !anyReportedFree(m))
                    && vm.state() == VmRunner.RunState.RUNNING) {
                Thread.sleep(1);
            }
            MigrationReport report = Harness.migrate("balloon", vm, BALLOON, target.endpoint(), o.build());
            System.out.printf("balloon pre-copy: %s, %d rounds, %s%n", report.success() ? "ok" : report.error(),
                    report.rounds().size(), report.pagesByEncoding());
            vm.close();
            assertThat(report.success()).as("migration succeeded: %s (target: %s)", report.error(), target.abandoned)
                    .isTrue();
            assertThat(report.pagesByEncoding().get("skipped-free")).as("pages skipped as free: %s",
                    report.pagesByEncoding()).isPositive();
            VmRunner arrived = target.awaitArrival();
            assertThat(arrived.machine().balloon()).as("the target has the balloon").isNotNull();
            assertThat(Harness.hashAtLimit(arrived)).isEqualTo(expected);
        }
    }
}
