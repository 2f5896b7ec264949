package dev.ferry.sim.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SameSeedTest {

    private static final Path SMALL = Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."))
            .resolve("scenarios/small.yaml");

    @Test
    void theSameSeedGivesTheSameFilesAndAnotherSeedDoesNot(@TempDir Path dir) throws Exception {
        Path scenario = Files.exists(SMALL) ? SMALL : Path.of("../scenarios/small.yaml");
        Summary s1 = SimulationRun.run(scenario, dir.resolve("one"), (i, n, s) -> { });
        Summary s2 = SimulationRun.run(scenario, dir.resolve("two"), (i, n, s) -> { });
        for (String f : List.of("hosts.csv", "vms.csv", "migrations.csv", "timeline.csv")) {
            assertThat(Files.readString(dir.resolve("two").resolve(f)))
                    .as(f).isEqualTo(Files.readString(dir.resolve("one").resolve(f)));
        }
        assertThat(withoutRun(dir.resolve("two"))).isEqualTo(withoutRun(dir.resolve("one")));
        assertThat(s1.migrations()).isPositive().isEqualTo(s2.migrations());
        assertThat(s1.energyKwh()).isEqualTo(s2.energyKwh());

        Path other = dir.resolve("other.yaml");
        Files.writeString(other, Files.readString(scenario).replace("seed: 42", "seed: 43"));
        Summary s3 = SimulationRun.run(other, null, (i, n, s) -> { });
        assertThat(s3.energyKwh()).isNotEqualTo(s1.energyKwh());
    }

    private static JsonNode withoutRun(Path dir) throws Exception {
        ObjectNode n = (ObjectNode) ResultFiles.JSON.readTree(dir.resolve("summary.json").toFile());
        assertThat(n.has("run")).isTrue();
        n.remove("run");
        return n;
    }
}
