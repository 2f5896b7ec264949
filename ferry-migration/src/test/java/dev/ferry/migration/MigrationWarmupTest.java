package dev.ferry.migration;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The warm-up migrates its private VMs with every strategy it names and leaves no thread of its own behind. */
class MigrationWarmupTest {

    @Test
    void warmUpMigrationsCompleteAndCleanUp() throws Exception {
        long t0 = System.nanoTime();
        MigrationWarmup.run();
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(10);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (vcpuThreadsOfWarmup() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(vcpuThreadsOfWarmup()).as("warm-up vCPU threads ended").isZero();
    }

    private static long vcpuThreadsOfWarmup() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("vcpu-warmup"))
                .count();
    }
}
