package dev.ferry.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.board.VmRunner;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** A real-time VM (timer follows the wall clock) keeps ticking on the target where it left off. */
class RealTimeTest {

    private static int lastTick(String console) {
        Matcher m = Pattern.compile("tick (\\d+)").matcher(console);
        int last = 0;
        while (m.find()) {
            last = Integer.parseInt(m.group(1));
        }
        return last;
    }

    @Test
    void timerGuestKeepsTickingAfterMigration() throws Exception {
        for (Strategy s : new Strategy[] {Strategy.PRECOPY, Strategy.POSTCOPY}) {
            ByteArrayOutputStream targetConsole = new ByteArrayOutputStream();
            try (Harness.Host target = new Harness.Host() {
                @Override
                public OutputStream consoleFor(VmDescriptor vm) {
                    return targetConsole;
                }
            }) {
                ByteArrayOutputStream sourceConsole = new ByteArrayOutputStream();
                VirtMachine m = GuestFixtures.boot("timer", "hz=100 ticks=1000000", Harness.RAM, false, sourceConsole);
                VmRunner vm = new VmRunner(m, "rt", Long.MAX_VALUE);
                vm.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (lastTick(sourceConsole.toString(StandardCharsets.US_ASCII)) < 3 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                MigrationReport r = new MigrationSource("rt", vm, new VmDescriptor("rt", Harness.RAM, false,
                        Long.MAX_VALUE), target.endpoint(), Harness.SECRET, MigrationOptions.defaults(s)).start()
                        .get(60, TimeUnit.SECONDS);
                assertThat(r.success()).as(r.error()).isTrue();
                int before = lastTick(sourceConsole.toString(StandardCharsets.US_ASCII));
                vm.close();
                VmRunner arrived = target.awaitArrival();
                while (lastTick(targetConsole.toString(StandardCharsets.US_ASCII)) < before + 3
                        && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                String out = targetConsole.toString(StandardCharsets.US_ASCII);
                assertThat(out).as("%s: target continues after tick %d", s, before).contains("tick " + (before + 1))
                        .contains("tick " + (before + 3));
                assertThat(arrived.state()).isEqualTo(VmRunner.RunState.RUNNING);
            }
        }
    }
}
