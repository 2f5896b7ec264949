package dev.ferry.bench.measure;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class GcPauseLogTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void countsTheCollectionsThatOverlapAWindowAndNoOthers() throws InterruptedException {
        try (GcPauseLog log = GcPauseLog.start()) {
            Instant from = Instant.now();
            System.gc();
            Instant to = Instant.now();
            GcPauses first = log.during(from, to, WAIT);
            assertThat(first.complete()).isTrue();
            assertThat(first.collections()).isGreaterThanOrEqualTo(1);
            assertThat(first.longestPauseMs()).isPositive();
            assertThat(first.totalPauseMs()).isGreaterThanOrEqualTo(first.longestPauseMs());

            Thread.sleep(300); // a gap between the two collections, not a synchronisation
            Instant secondFrom = Instant.now();
            System.gc();
            Instant secondTo = Instant.now();
            assertThat(log.during(secondFrom, secondTo, WAIT).collections()).isGreaterThanOrEqualTo(1);

            GcPauses gap = log.during(to.plusMillis(100), secondFrom.minusMillis(100), WAIT);
            assertThat(gap.collections()).as("neither collection overlaps the gap between them").isZero();
            assertThat(gap.longestPauseMs()).isZero();
            assertThat(gap.complete()).isTrue();
        }
    }
}
