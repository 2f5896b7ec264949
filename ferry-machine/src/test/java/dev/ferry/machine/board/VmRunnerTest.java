package dev.ferry.machine.board;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.board.VmRunner.RunState;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The vCPU thread's life: pause parks it, resume continues, limits park it, safepoints see a stopped vCPU. */
class VmRunnerTest {

    @Test
    void pauseParksTheVcpuAndResumeContinues() throws Exception {
        VirtMachine m = GuestFixtures.bootDeterministic("munch", "wss=1M passes=0");
        try (VmRunner r = new VmRunner(m, "t", Long.MAX_VALUE)) {
            r.start();
            Thread.sleep(50);
            r.pause();
            assertThat(r.state()).isEqualTo(RunState.PAUSED);
            long n = m.instructions();
            assertThat(n).isPositive();
            Thread.sleep(30);
            assertThat(m.instructions()).as("a paused VM does not run").isEqualTo(n);
            String hash = m.stateHash();
            assertThat(m.stateHash()).isEqualTo(hash);
            r.resume();
            Thread.sleep(30);
            r.pause();
            assertThat(m.instructions()).isGreaterThan(n);
        }
    }

    @Test
    void limitParksAtExactlyNAndCanBeRaised() throws Exception {
        VirtMachine m = GuestFixtures.bootDeterministic("cpu", "iters=100000000");
        try (VmRunner r = new VmRunner(m, "t", 3_000_000)) {
            r.start();
            waitFor(r, RunState.LIMIT_REACHED);
            assertThat(m.instructions()).isEqualTo(3_000_000);
            r.setInstructionLimit(4_000_000);
            waitFor(r, RunState.LIMIT_REACHED);
            assertThat(m.instructions()).isEqualTo(4_000_000);
        }
        VirtMachine straight = GuestFixtures.bootDeterministic("cpu", "iters=100000000");
        straight.run(4_000_000);
        assertThat(m.stateHash()).isEqualTo(straight.stateHash());
    }

    @Test
    void safepointTasksSeeAConsistentInstructionCount() {
        VirtMachine m = GuestFixtures.bootDeterministic("munch", "wss=1M passes=0");
        try (VmRunner r = new VmRunner(m, "t", Long.MAX_VALUE)) {
            r.start();
            long last = 0;
            for (int i = 0; i < 50; i++) {
                long n = r.atSafepoint(m::instructions);
                assertThat(n).isGreaterThanOrEqualTo(last);
                last = n;
            }
            assertThat(r.state()).isEqualTo(RunState.RUNNING);
        }
    }

    @Test
    void powerOffEndsTheRunner() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        VirtMachine m = GuestFixtures.boot("hello", "", 64L << 20, false, console);
        VmRunner r = new VmRunner(m, "t", Long.MAX_VALUE);
        r.start();
        assertThat(r.ended().get(10, TimeUnit.SECONDS)).isEqualTo(RunState.POWERED_OFF);
        assertThat(console.toString(StandardCharsets.UTF_8)).contains("Hello");
        r.close();
    }

    @Test
    void throttleHoldsTheVcpuBackForTheRequestedShareOfTime() throws Exception {
        VirtMachine m = GuestFixtures.bootDeterministic("cpu", "iters=1000000000");
        try (VmRunner r = new VmRunner(m, "t", Long.MAX_VALUE)) {
            r.start();
            Thread.sleep(50);
            assertThat(r.throttledNanos()).isZero();
            r.setThrottle(0.9);
            long n0 = r.atSafepoint(m::instructions);
            long held0 = r.throttledNanos();
            long t0 = System.nanoTime();
            Thread.sleep(300);
            long n1 = r.atSafepoint(m::instructions);
            double heldShare = (r.throttledNanos() - held0) / (double) (System.nanoTime() - t0);
            assertThat(heldShare).isGreaterThan(0.5);
            assertThat(n1).as("a throttled guest still runs").isGreaterThan(n0);
            r.setThrottle(0);
            Thread.sleep(150);
            long held1 = r.throttledNanos();
            Thread.sleep(50);
            assertThat(r.throttledNanos()).as("throttle 0 holds nothing back").isEqualTo(held1);
        }
    }

    private static void waitFor(VmRunner r, RunState s) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (r.state() != s) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("runner did not reach " + s + ", is " + r.state());
            }
            Thread.sleep(5);
        }
    }
}
