package dev.ferry.sim.run;

import dev.ferry.sim.scenario.ScenarioLoader;
import dev.ferry.sim.scenario.SimSetup;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;

/**
 * One simulation from a scenario file to its result files: what {@code ferry simulate} runs. It times the run with
 * the wall clock for the summary's {@code run} figures; the simulation itself never sees that clock.
 */
public final class SimulationRun {

    private SimulationRun() {
    }

    /**
     * Reads {@code scenarioFile}, runs it, writes the files into {@code outDir} (if not null) and gives the summary.
     */
    public static Summary run(Path scenarioFile, Path outDir, Simulator.Progress progress) {
        long t0 = System.nanoTime();
        Path base = scenarioFile.toAbsolutePath().getParent();
        SimSetup setup = ScenarioLoader.build(ScenarioLoader.read(scenarioFile), base);
        SimResult r = new Simulator(setup.config(), setup.hosts(), setup.vms(), System::nanoTime, progress).run();
        long t1 = System.nanoTime();
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        long max = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax();
        Summary s = Summary.of(setup.name(), setup.seed(), r, new Summary.RunFigures((t1 - t0) / 1e9,
                r.policyNanos() / 1e9, r.migrationNanos() / 1e9, peak / 1048576.0, max / 1048576.0));
        if (outDir != null) {
            ResultFiles.write(outDir, r, s);
        }
        return s;
    }
}
