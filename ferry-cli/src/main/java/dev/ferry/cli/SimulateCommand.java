package dev.ferry.cli;

import dev.ferry.sim.run.ResultFiles;
import dev.ferry.sim.run.SimulationRun;
import dev.ferry.sim.run.Summary;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry simulate SCENARIO [--out DIR]}: runs the data-center simulator on a scenario file, shows its
 * progress on stderr, writes the CSV files and summary.json into {@code --out}, and prints the summary.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Simulate a data centre running the cluster's policies (see docs/simulator.md).")
public final class SimulateCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SCENARIO", description = "The scenario file (YAML).")
    private Path scenario;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Directory for hosts.csv, vms.csv, migrations.csv, timeline.csv and summary.json.")
    private Path out;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(scenario)) {
            throw new UserError("no scenario file " + scenario);
        }
        PrintStream err = System.err;
        Summary s;
        try {
            s = SimulationRun.run(scenario, out, (i, total, sample) -> {
                if ((i + 1) % Math.max(1, total / 50) == 0 || i + 1 == total) {
                    int width = 40;
                    int done = (int) ((long) width * (i + 1) / total);
                    err.printf(Locale.ROOT, "\r[%s%s] %d/%d samples, %d hosts on, %d migrating, %d waiting",
                            "#".repeat(done), ".".repeat(width - done), i + 1, total, sample.activeHosts(),
                            sample.running(), sample.waiting());
                    if (i + 1 == total) {
                        err.println();
                    }
                }
            });
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new UserError(e.getMessage());
        }
        System.out.println(ResultFiles.JSON.writeValueAsString(s));
        return 0;
    }
}
