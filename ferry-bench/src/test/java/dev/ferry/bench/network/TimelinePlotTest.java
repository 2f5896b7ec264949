package dev.ferry.bench.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TimelinePlotTest {

    private static final long[] BINS = {50, 50, 48, 50, 10, 0, 0, 20, 49, 50, 51, 50};

    @Test
    void theTableHasARowPerTenBinsWithTheEventsLettersBehindTheirBin() {
        TimelinePlot plot = new TimelinePlot(BINS, 100, List.of(new TimelinePlot.Mark('S', 420),
                new TimelinePlot.Mark('P', 510), new TimelinePlot.Mark('R', 690), new TimelinePlot.Mark('E', 1150)));
        List<String> rows = plot.table();
        assertThat(rows).hasSize(3);
        assertThat(rows.get(1)).startsWith("    0.0 |").contains("  10S ").contains("   0P ").contains("   0R ")
                .endsWith("|   327");
        assertThat(rows.get(2)).startsWith("    1.0 |").contains("  50E").endsWith("|   101");
    }

    @Test
    void theStripScalesEachBinToTheLargestAndPutsTheLettersUnderIt() {
        TimelinePlot plot = new TimelinePlot(BINS, 100, List.of(new TimelinePlot.Mark('P', 510)));
        List<String> strip = plot.strip(300, 800);
        assertThat(strip.get(0)).isEqualTo("|@:  =@|");
        assertThat(strip.get(1)).isEqualTo("   P");
    }

    @Test
    void eventsInOneBinStandSideBySideInTheStrip() {
        TimelinePlot plot = new TimelinePlot(BINS, 100, List.of(new TimelinePlot.Mark('R', 530),
                new TimelinePlot.Mark('P', 510), new TimelinePlot.Mark('E', 640), new TimelinePlot.Mark('X', 5000)));
        assertThat(plot.strip(300, 800).get(1)).isEqualTo("   PRE");
    }

    @Test
    void theStripIsClippedToTheBins() {
        TimelinePlot plot = new TimelinePlot(new long[] {4, 2}, 100, List.of());
        assertThat(plot.strip(-500, 5000).get(0)).isEqualTo("|@+|");
    }
}
