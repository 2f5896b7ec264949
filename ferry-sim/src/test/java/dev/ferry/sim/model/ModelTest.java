package dev.ferry.sim.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ferry.cluster.schedule.MigrationCostModel;
import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.Strategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelTest {

    private static final long GIB = 1L << 30;

    @Test
    void syntheticTracesHaveTheStatedMeanAndDailyShapeAndDependOnTheSeedOnly() {
        SyntheticTraces gen = new SyntheticTraces(40, 10, 20, 5);
        SplittableRandom r = new SplittableRandom(7);
        double sum = 0;
        double midnight = 0;
        double noon = 0;
        int vms = 2000;
        for (int i = 0; i < vms; i++) {
            UtilisationTrace t = gen.generate(r.split(), 288, 300_000);
            sum += t.mean();
            midnight += t.at(0);
            noon += t.at(12 * 3_600_000L);
        }
        assertThat(sum / vms).isCloseTo(0.40, within(0.01));
        assertThat(noon / vms - midnight / vms).isCloseTo(0.40, within(0.03));
        assertThat(gen.generate(new SplittableRandom(3), 288, 300_000).toPercent())
                .containsExactly(gen.generate(new SplittableRandom(3), 288, 300_000).toPercent());
    }

    @Test
    void planetLabFilesAreReadInNameOrderAndRepeated(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("b"), "5\n6\n");
        Files.writeString(dir.resolve("a"), "10\n20\n30\n");
        PlanetLabTraces traces = PlanetLabTraces.read(dir);
        assertThat(traces.count()).isEqualTo(2);
        assertThat(traces.trace(0, 5, 300_000).toPercent()).containsExactly(10, 20, 30, 10, 20);
        assertThat(traces.trace(3, 3, 300_000).toPercent()).containsExactly(5, 6, 5);
        assertThat(traces.trace(0, 3, 300_000).at(300_000 * 2 + 1)).isEqualTo(0.30);
    }

    @Test
    void movingAVmKeepsBothHostsSumsInStep() {
        SimHost a = new SimHost(0, "a", 4, 8 * GIB);
        SimHost b = new SimHost(1, "b", 4, 8 * GIB);
        SimVm vm = new SimVm(0, "v", 2, GIB, GIB / 10, 100, new UtilisationTrace(new int[] {50, 100}, 1000));
        vm.placeOn(a);
        vm.sample(0);
        assertThat(a.cpuUsed()).isEqualTo(1.0);
        vm.moveTo(b);
        vm.sample(1000);
        assertThat(a.cpuUsed()).isZero();
        assertThat(a.memoryUsed()).isZero();
        assertThat(b.cpuUsed()).isEqualTo(2.0);
        assertThat(b.memoryUsed()).isEqualTo(GIB);
        assertThat(a.migrationsOut()).isEqualTo(1);
        assertThat(b.migrationsIn()).isEqualTo(1);
    }

    @Test
    void aLinkIsSharedByTheMigrationsOnEitherHost() {
        HostLinks links = new HostLinks(1000, 3);
        assertThat(links.share(0, 1)).isEqualTo(1000);
        links.open(0, 1);
        assertThat(links.share(0, 2)).isEqualTo(500);
        assertThat(links.share(2, 1)).isEqualTo(500);
        links.open(0, 2);
        assertThat(links.share(0, 1)).isEqualTo(1000 / 3.0);
        links.close(0, 1);
        links.close(0, 2);
        assertThat(links.share(0, 1)).isEqualTo(1000);
    }

    @Test
    void stopAndCopyTakesTheRamOverTheLinkAndIsAllDowntime() {
        MigrationModel m = new MigrationModel(new MigrationCostModel(MigrationOptions.defaults(Strategy.STOPCOPY)));
        SimVm vm = new SimVm(0, "v", 1, GIB, 0, 0, new UtilisationTrace(new int[] {10}, 1000));
        MigrationCostModel.Prediction p = m.predict(vm, 125e6);
        assertThat(p.totalSeconds()).isCloseTo(GIB / 125e6, within(1e-3));
        assertThat(p.downtimeSeconds()).isCloseTo(p.totalSeconds(), within(1e-6));
    }

    @Test
    void preCopyWithAConstantDirtyRateFollowsTheGeometricSeries() {
        MigrationModel m = new MigrationModel(new MigrationCostModel(MigrationOptions.defaults(Strategy.PRECOPY)));
        double link = 125e6;
        double rate = 0.25 * link / 4096;
        SimVm vm = new SimVm(0, "v", 1, GIB, GIB, rate, new UtilisationTrace(new int[] {10}, 1000));
        MigrationCostModel.Prediction p = m.predict(vm, link);
        double first = GIB / link;
        double series = IntStream.rangeClosed(0, p.rounds()).mapToDouble(k -> first * Math.pow(0.25, k)).sum();
        assertThat(p.rounds()).isGreaterThan(1);
        assertThat(p.totalSeconds()).isCloseTo(series, within(series * 0.02));
        assertThat(m.predict(vm, link)).isSameAs(p);
        assertThat(m.computed()).isEqualTo(1);
    }
}
