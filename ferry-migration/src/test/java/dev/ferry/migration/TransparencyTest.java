package dev.ferry.migration;


import dev.ferry.machine.board.VmRunner;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A VM migrated mid-run reaches, at its instruction limit, exactly the state of a VM that never migrated — for
 * every strategy and the options that change how pages move. A lost dirty page changes the hash.
 */
class TransparencyTest {

    private static Arguments c(String name, Harness.Guest g, Strategy s, Consumer<Options> change) {
        Options o = Options.of(s);
        change.accept(o);
        return Arguments.of(name, g, o.build());
    }

    /** Options that force several pre-copy rounds (no early stop on small expected downtime). */
    private static void manyRounds(Options o) {
        o.maxDowntime = 0;
        o.maxRounds = 4;
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                c("stop-and-copy", Harness.MUNCH, Strategy.STOPCOPY, o -> { }),
                c("pre-copy defaults", Harness.MUNCH, Strategy.PRECOPY, o -> { }),
                c("pre-copy 4 rounds", Harness.MUNCH, Strategy.PRECOPY, TransparencyTest::manyRounds),
                c("pre-copy 4 streams", Harness.MUNCH, Strategy.PRECOPY, o -> {
                    manyRounds(o);
                    o.streams = 4;
                }),
                c("pre-copy frequency order, delay hot", Harness.MUNCH, Strategy.PRECOPY, o -> {
                    manyRounds(o);
                    o.order = PageOrder.FREQUENCY;
                    o.delayHot = 0.5;
                }),
                c("pre-copy xbzrle", Harness.MUNCH_DENSE, Strategy.PRECOPY, o -> {
                    manyRounds(o);
                    o.xbzrle = true;
                }),
                c("pre-copy lz4 + xbzrle, 3 streams", Harness.MUNCH, Strategy.PRECOPY, o -> {
                    manyRounds(o);
                    o.lz4 = true;
                    o.xbzrle = true;
                    o.streams = 3;
                }),
                c("pre-copy no zero pages, no skipping", Harness.MUNCH, Strategy.PRECOPY, o -> {
                    manyRounds(o);
                    o.zeroPages = false;
                    o.skipRedirtied = false;
                }),
                c("pre-copy dynamic rate", Harness.MUNCH, Strategy.PRECOPY, o -> {
                    o.rate = RateMode.DYNAMIC;
                    o.minRate = 200_000_000L;
                    o.maxRate = 2_000_000_000L;
                    o.maxDowntime = 0;
                }),
                c("pre-copy auto-converge", Harness.MUNCH, Strategy.PRECOPY, o -> {
                    manyRounds(o);
                    o.autoConverge = true;
                    o.bandwidth = 400_000_000L;
                }),
                c("pre-copy stall -> throttle", Harness.MUNCH, Strategy.PRECOPY, o -> {
                    o.maxDowntime = 0;
                    o.maxRounds = 12;
                    o.onStall = StallAction.THROTTLE;
                }),
                c("pre-copy stall -> post-copy", Harness.MUNCH, Strategy.PRECOPY, o -> {
                    o.maxDowntime = 0;
                    o.maxRounds = 12;
                    o.onStall = StallAction.POSTCOPY;
                }),
                c("post-copy", Harness.MUNCH, Strategy.POSTCOPY, o -> { }),
                c("post-copy 4 streams lz4 no prepaging", Harness.MUNCH, Strategy.POSTCOPY, o -> {
                    o.streams = 4;
                    o.lz4 = true;
                    o.prepaging = 0;
                }),
                c("hybrid k=1", Harness.MUNCH, Strategy.HYBRID, o -> o.precopyRounds = 1),
                c("hybrid k=2 xbzrle", Harness.MUNCH_DENSE, Strategy.HYBRID, o -> {
                    o.precopyRounds = 2;
                    o.xbzrle = true;
                }),
                c("demand", Harness.MUNCH, Strategy.DEMAND, o -> { }),
                c("idle (WFI) pre-copy", Harness.IDLE, Strategy.PRECOPY, o -> { }),
                c("idle (WFI) post-copy", Harness.IDLE, Strategy.POSTCOPY, o -> { }),
                c("idle (WFI) demand, VM already at its limit", Harness.IDLE, Strategy.DEMAND, o -> { }),
                c("timer pre-copy", Harness.TIMER, Strategy.PRECOPY, TransparencyTest::manyRounds),
                c("timer post-copy", Harness.TIMER, Strategy.POSTCOPY, o -> { }),
                c("spec pre-copy", Harness.SPEC, Strategy.PRECOPY, TransparencyTest::manyRounds),
                c("spec hybrid", Harness.SPEC, Strategy.HYBRID, o -> o.precopyRounds = 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void migratedOnceMatchesUnmigrated(String name, Harness.Guest g, MigrationOptions o) throws Exception {
        try (Harness.Host target = new Harness.Host()) {
            VmRunner vm = g.start("vm");
            long at = vm.machine().instructions();
            MigrationReport report = Harness.migrate("m1", vm, g, target.endpoint(), o);
            System.out.printf("%-40s at %,d: %s in %.1f ms, downtime %.1f ms, %d rounds, %,d bytes, %s %s%n", name,
                    at, report.success() ? "ok" : report.error(), report.totalTimeMs(), report.downtimeMs(),
                    report.rounds().size(), report.bytesOnWire(), report.pagesByEncoding(), report.notes());
            assertThat(report.success()).as("migration succeeded: %s (target: %s)", report.error(), target.abandoned)
                    .isTrue();
            assertThat(vm.state()).as("source VM left paused").isIn(VmRunner.RunState.PAUSED,
                    VmRunner.RunState.LIMIT_REACHED);
            vm.close();
            VmRunner arrived = target.awaitArrival();
            assertThat(Harness.hashAtLimit(arrived)).isEqualTo(g.reference());
        }
    }

    @Test
    void demandMigrationPushesTheRestWhenAsked() throws Exception {
        Harness.Guest g = new Harness.Guest("munch", "wss=4M passes=0", 400_000_000L);
        try (Harness.Host target = new Harness.Host()) {
            VmRunner vm = g.start("vm");
            MigrationSource src = new MigrationSource("d1", vm, g.descriptor("vm"), target.endpoint(), Harness.SECRET,
                    MigrationOptions.defaults(Strategy.DEMAND));
            src.pushRemaining();
            var f = src.start();
            VmRunner arrived = target.awaitArrival();
            MigrationReport report = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(report.success()).as(report.error()).isTrue();
            assertThat(arrived.state()).as("completed while the target VM still runs").isEqualTo(
                    VmRunner.RunState.RUNNING);
            assertThat(arrived.machine().memory().absentPages()).isZero();
            vm.close();
            assertThat(Harness.hashAtLimit(arrived)).isEqualTo(g.reference());
        }
    }

    @Test
    void pingPongTenTimesBetweenTwoHosts() throws Exception {
        Harness.Guest g = new Harness.Guest("munch", "wss=3M passes=0", 150_000_000L);
        try (Harness.Host a = new Harness.Host(); Harness.Host b = new Harness.Host()) {
            VmRunner vm = g.start("pp");
            Strategy[] strategies = {Strategy.PRECOPY, Strategy.POSTCOPY, Strategy.STOPCOPY, Strategy.HYBRID,
                Strategy.PRECOPY};
            for (int i = 0; i < 10; i++) {
                Harness.Host to = i % 2 == 0 ? a : b;
                Options o = Options.of(strategies[i % strategies.length]);
                o.precopyRounds = 1;
                o.xbzrle = i % 3 == 0;
                MigrationReport report = Harness.migrate("pp" + i, vm, g, to.endpoint(), o.build());
                assertThat(report.success()).as("migration %d: %s", i, report.error()).isTrue();
                vm.close();
                vm = to.awaitArrival();
            }
            assertThat(vm.machine().instructions()).as("still mid-run after the last migration").isLessThan(g.limit());
            assertThat(Harness.hashAtLimit(vm)).isEqualTo(g.reference());
            vm.close();
        }
    }
}
