package dev.ferry.migration.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The simulator runs these classes against models: they must not reach for the machine, the network, threads or
 * the wall clock.
 */
class PolicyPackageIsPureTest {

    private static final List<String> FORBIDDEN = List.of("dev.ferry.machine", "dev.ferry.migration.source",
            "dev.ferry.migration.wire", "dev.ferry.migration.transfer", "dev.ferry.migration.target", "java.net",
            "java.nio", "java.io", "java.util.concurrent", "Thread", "System.nanoTime", "System.currentTimeMillis",
            "Instant.now", "Clock.system", "synchronized");

    /** Reads each source without its comments and looks for the forbidden names. */
    @Test
    void theSourcesUseNoMachineSocketThreadOrClockTypes() throws IOException {
        Path dir = Path.of("src/main/java/dev/ferry/migration/policy");
        List<Path> sources;
        try (Stream<Path> files = Files.list(dir)) {
            sources = files.filter(f -> f.toString().endsWith(".java")).toList();
        }
        assertThat(sources).hasSizeGreaterThan(15);
        for (Path source : sources) {
            String code = Files.readString(source).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
            for (String word : FORBIDDEN) {
                assertThat(code).as("%s uses %s", source.getFileName(), word).doesNotContain(word);
            }
        }
    }
}
