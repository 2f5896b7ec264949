package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SimulateCommandTest {

    @Test
    void simulatesASmallScenarioAndWritesItsFiles(@TempDir Path dir) throws Exception {
        Path scenario = dir.resolve("s.yaml");
        Files.writeString(scenario, """
                name: cli
                seed: 3
                duration: 2h
                hosts: {count: 4, cores: 4, memory: 16G, power: {idle: 90, max: 130, standby: 10}}
                vms:
                  count: 8
                  vcpus: 1
                  memory: [1G]
                  workingSet: 0.1
                  dirtyPagesPerSec: [1000]
                  trace: {synthetic: {mean: 20, stddev: 5, dailyAmplitude: 0, noise: 2}}
                policy:
                  consolidation: {lower: 0.2, upper: 0.8}
                """);
        Path out = dir.resolve("out");
        String[] argv = {"simulate", scenario.toString(), "--out", out.toString()};
        assertThat(Main.commandLine(argv).execute(argv)).isZero();
        for (String f : new String[] {"hosts.csv", "vms.csv", "migrations.csv", "timeline.csv", "summary.json"}) {
            assertThat(out.resolve(f)).as(f).exists();
        }
        assertThat(Files.readAllLines(out.resolve("vms.csv"))).hasSize(9);
        assertThat(Files.readString(out.resolve("summary.json"))).contains("\"scenario\" : \"cli\"", "\"slav\"");
    }

    @Test
    void aMissingScenarioIsBadInput(@TempDir Path dir) {
        String[] argv = {"simulate", dir.resolve("nope.yaml").toString()};
        CommandLine cl = Main.commandLine(argv);
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute(argv)).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(err.toString()).contains("no scenario file");
    }
}
