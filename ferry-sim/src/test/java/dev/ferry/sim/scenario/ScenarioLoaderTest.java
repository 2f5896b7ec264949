package dev.ferry.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.sim.model.SimHost;
import dev.ferry.sim.model.SimVm;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioLoaderTest {

    private static final String SCENARIO = """
            name: t
            seed: 5
            duration: 2h
            sample: 5m
            hosts: {count: 3, cores: 4, memory: 8G, link: 1G, power: {idle: 50, max: 100, standby: 5}}
            vms:
              count: 7
              vcpus: 1
              memory: [1G, 2G]
              workingSet: 0.25
              dirtyPagesPerSec: [100]
              trace: {planetlab: traces}
            policy:
              consolidation: {lower: 0.1, upper: 0.9}
              loadBalancing: {threshold: 0.9, window: 10m}
              migrations: {perHost: 3, strategy: postcopy}
            """;

    @Test
    void buildsHostsVmsAndConfigFromYamlWithPlanetLabTracesBesideIt(@TempDir Path dir) throws Exception {
        Files.createDirectory(dir.resolve("traces"));
        Files.writeString(dir.resolve("traces/x"), "10\n90\n");
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, SCENARIO);
        SimSetup s = ScenarioLoader.build(ScenarioLoader.read(f), dir);

        assertThat(s.config().durationMillis()).isEqualTo(7_200_000);
        assertThat(s.config().sampleMillis()).isEqualTo(300_000);
        assertThat(s.config().linkBytesPerSec()).isEqualTo(125e6);
        assertThat(s.config().perHost()).isEqualTo(3);
        assertThat(s.config().perLink()).isEqualTo(1);
        assertThat(s.config().loadBalancing().windowMillis()).isEqualTo(600_000);
        assertThat(s.config().migration().strategy().name()).isEqualTo("POSTCOPY");
        assertThat(s.hosts()).hasSize(3).allSatisfy(h -> assertThat(h.memoryBytes()).isEqualTo(8L << 30));
        assertThat(s.vms()).hasSize(7);
        SimVm v = s.vms().get(0);
        assertThat(v.workingSetBytes()).isEqualTo(v.memoryBytes() / 4);
        assertThat(v.trace().toPercent()).startsWith(10, 90, 10);
        // Spread: VM i starts at host i mod 3.
        assertThat(s.vms()).allSatisfy(vm -> assertThat(vm.host().index()).isEqualTo(vm.index() % 3));
        assertThat(s.hosts().stream().mapToInt(SimHost::vmCount).sum()).isEqualTo(7);
    }

    @Test
    void refusesUnknownKeysAndNeedsATraceSource(@TempDir Path dir) throws Exception {
        Path typo = dir.resolve("typo.yaml");
        Files.writeString(typo, SCENARIO.replace("workingSet", "workingset"));
        assertThatThrownBy(() -> ScenarioLoader.read(typo)).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("workingset");
        Path none = dir.resolve("none.yaml");
        Files.writeString(none, SCENARIO.replace("{planetlab: traces}", "{}"));
        assertThatThrownBy(() -> ScenarioLoader.build(ScenarioLoader.read(none), dir))
                .hasMessageContaining("synthetic or planetlab");
    }

    @Test
    void timesTakeDayHourMinuteSecondOrMillisecondUnits() {
        assertThat(ScenarioLoader.millis("1d")).isEqualTo(86_400_000);
        assertThat(ScenarioLoader.millis("90s")).isEqualTo(90_000);
        assertThat(ScenarioLoader.millis("250")).isEqualTo(250);
        assertThatThrownBy(() -> ScenarioLoader.millis("soon")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theShippedScenariosLoad() {
        Path root = Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."));
        Scenario big = ScenarioLoader.read(root.resolve("scenarios/dc-10k-100k.yaml"));
        assertThat(big.hosts().count()).isEqualTo(10_000);
        assertThat(big.vms().count()).isEqualTo(100_000);
        assertThat(ScenarioLoader.millis(big.duration())).isEqualTo(86_400_000);
        assertThat(ScenarioLoader.millis(big.sample())).isEqualTo(300_000);
        SimSetup small = ScenarioLoader.build(ScenarioLoader.read(root.resolve("scenarios/small.yaml")), root);
        assertThat(small.hosts()).hasSize(50);
        assertThat(small.vms()).hasSize(200);
    }
}
