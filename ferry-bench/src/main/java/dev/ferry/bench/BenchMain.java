package dev.ferry.bench;

import dev.ferry.bench.evacuate.EvacuateBenchmark;
import dev.ferry.bench.migrate.DensityBenchmark;
import dev.ferry.bench.migrate.MigrateBenchmark;
import dev.ferry.bench.network.NetworkBenchmark;
import dev.ferry.bench.storage.StorageBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ferry bench}: end-to-end measurements, side by side with QEMU where it applies. */
@Command(name = "ferry bench", mixinStandardHelpOptions = true,
        description = "Measure Ferry, side by side with QEMU where that applies.",
        subcommands = {MipsBenchmark.class, BootBenchmark.class, MemoryBenchmark.class, MigrateBenchmark.class,
            DensityBenchmark.class, EvacuateBenchmark.class, NetworkBenchmark.class, StorageBenchmark.class})
public final class BenchMain implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Runs a benchmark and exits with its status. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }
}
