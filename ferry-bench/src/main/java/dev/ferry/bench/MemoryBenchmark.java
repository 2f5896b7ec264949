package dev.ferry.bench;

import dev.ferry.bench.memory.GuestMemoryBench;
import java.util.concurrent.Callable;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry bench memory}: JMH figures for guest-memory loads and stores, dirty logging off and on. */
@Command(name = "memory", mixinStandardHelpOptions = true,
        description = "JMH: guest-memory load/store cost with dirty logging off and on (ns/op).")
public final class MemoryBenchmark implements Callable<Integer> {

    @Option(names = "--forks", description = "JMH forks (default: ${DEFAULT-VALUE}).")
    private int forks = 1;

    @Option(names = "--iterations", description = "Measured iterations of 1 s (default: ${DEFAULT-VALUE}).")
    private int iterations = 5;

    @Override
    public Integer call() throws Exception {
        new Runner(new OptionsBuilder()
                .include(GuestMemoryBench.class.getName())
                .forks(forks)
                .warmupIterations(3)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.seconds(1))
                .build()).run();
        return 0;
    }
}
