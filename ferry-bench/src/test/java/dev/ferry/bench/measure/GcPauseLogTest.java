package dev.ferry.bench.measure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.bench.measure.GcPauseLog.Collection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class GcPauseLogTest {

    private static final Instant T0 = Instant.parse("2026-12-02T00:00:00Z");

    private static Collection collection(long startMs, long endMs, double longestMs, double sumMs) {
        return new Collection(T0.plusMillis(startMs), T0.plusMillis(endMs), Duration.ofNanos((long) (longestMs * 1e6)),
                Duration.ofNanos((long) (sumMs * 1e6)));
    }

    @Test
    void aCollectionDuringTheWindowIsSeenOnceTheStreamCaughtUp() throws InterruptedException {
        try (GcPauseLog log = GcPauseLog.start()) {
            Instant from = Instant.now();
            System.gc();
            Instant to = Instant.now();
            GcPauses p = log.during(from, to, Duration.ofSeconds(10));
            assertThat(p.complete()).isTrue();
            assertThat(p.collections()).isGreaterThanOrEqualTo(1);
            assertThat(p.longestPauseMs()).isPositive();
            assertThat(p.totalPauseMs()).isGreaterThanOrEqualTo(p.longestPauseMs());
        }
    }

    @Test
    void countsTheCollectionsThatOverlapTheWindow() {
        List<Collection> all = List.of(collection(0, 10, 10, 10), collection(95, 105, 4, 6),
                collection(150, 160, 7.5, 9), collection(195, 230, 2, 3), collection(300, 310, 50, 50));
        GcPauses p = GcPauseLog.summarize(all, T0.plusMillis(100), T0.plusMillis(200), true);
        assertThat(p.collections()).isEqualTo(3);
        assertThat(p.longestPauseMs()).isEqualTo(7.5);
        assertThat(p.totalPauseMs()).isEqualTo(18);
    }

    @Test
    void collectionsThatOnlyTouchTheWindowsEdgesDoNotCount() {
        List<Collection> all = List.of(collection(50, 100, 1, 1), collection(200, 250, 1, 1));
        GcPauses p = GcPauseLog.summarize(all, T0.plusMillis(100), T0.plusMillis(200), false);
        assertThat(p.collections()).isZero();
        assertThat(p.longestPauseMs()).isZero();
        assertThat(p.complete()).isFalse();
    }
}
