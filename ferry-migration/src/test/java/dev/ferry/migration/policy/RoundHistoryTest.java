package dev.ferry.migration.policy;

import static dev.ferry.migration.policy.Figures.pages;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.BitSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RoundHistoryTest {

    @Test
    void countsTheRoundsOfTheWindowEachPageWasDirtiedIn() {
        int pageCount = 64;
        RoundHistory history = new RoundHistory(pageCount);
        long[] shiftRegister = new long[pageCount];
        SplittableRandom random = new SplittableRandom(6);
        for (int r = 1; r <= 3 * RoundHistory.WINDOW; r++) {
            BitSet dirtied = new BitSet();
            for (int p = 0; p < pageCount; p++) {
                shiftRegister[p] <<= 1;
                if (random.nextInt(3) == 0) {
                    dirtied.set(p);
                    shiftRegister[p] |= 1;
                }
            }
            history.record(dirtied);
            for (int p = 0; p < pageCount; p++) {
                int expected = Long.bitCount(shiftRegister[p] & ((1L << RoundHistory.WINDOW) - 1));
                assertThat(history.writes(p)).as("page %d after round %d", p, r).isEqualTo(expected);
                assertThat(history.frequency(p)).isEqualTo((double) expected / Math.min(r, RoundHistory.WINDOW));
            }
        }
        assertThat(history.rounds()).isEqualTo(3 * RoundHistory.WINDOW);
    }

    @Test
    void growsToTheHighestPageRecorded() {
        RoundHistory history = new RoundHistory();
        assertThat(history.writes(1_000)).isZero();
        history.record(pages(3, 1_000));
        history.record(pages(1_000, 70_000));
        assertThat(history.writes(3)).isEqualTo(1);
        assertThat(history.writes(1_000)).isEqualTo(2);
        assertThat(history.writes(70_000)).isEqualTo(1);
        assertThat(history.frequency(70_000)).isEqualTo(0.5);
    }

    /**
     * Recording costs the pages dirtied, not the VM's size: 3,000 rounds of a 16 GiB VM (4 Mi pages) that
     * dirties a few pages per round. Shifting every page's history each round takes tens of seconds here.
     */
    @Test
    void recordingCostsThePagesDirtiedNotTheVmSize() {
        int pageCount = 4 << 20;
        RoundHistory history = new RoundHistory(pageCount);
        BitSet dirtied = new BitSet(pageCount);
        assertTimeoutPreemptively(Duration.ofSeconds(3), () -> {
            for (int r = 0; r < 3000; r++) {
                int[] written = {r, pageCount / 2 + r, pageCount - 1 - r};
                for (int p : written) {
                    dirtied.set(p);
                }
                history.record(dirtied);
                for (int p : written) {
                    dirtied.clear(p);
                }
            }
        });
        assertThat(history.writes(pageCount - 1 - 2999)).isEqualTo(1);
        assertThat(history.writes(0)).isZero();
    }
}
