package dev.ferry.bench.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ResponseTimelineTest {

    private static final String WRK = """
            Running 2s test @ http://10.77.0.10/
              2 threads and 10 connections
              1313 requests in 2.02s, 601.52KB read
            Requests/sec:    649.98
            ferry-timeline ms 1000 3,0,0,2,0,0,0,0,0,0,0,1,4
            ferry-timeline status 2
            """;

    @Test
    void readsTheScriptsLinesOutOfWrksOutput() {
        ResponseTimeline t = ResponseTimeline.parse(WRK);
        assertThat(t.firstMs()).isEqualTo(1000);
        assertThat(t.total()).isEqualTo(10);
        assertThat(t.badStatus()).isEqualTo(2);
        assertThat(t.endMs()).isEqualTo(1013);
    }

    @Test
    void theLongestGapIsTheLongestTimeBetweenTwoMillisecondsWithResponses() {
        ResponseTimeline.Gap gap = ResponseTimeline.parse(WRK).longestGap();
        assertThat(gap).isEqualTo(new ResponseTimeline.Gap(1003, 1011));
        assertThat(gap.lengthMs()).isEqualTo(8);
    }

    @Test
    void aGapAcrossASpanMustOverlapIt() {
        ResponseTimeline t = ResponseTimeline.parse(WRK);
        assertThat(t.longestGap(1000, 1002)).as("the 3 ms gap reaches into the span")
                .isEqualTo(new ResponseTimeline.Gap(1000, 1003));
        assertThat(t.longestGap(1011, 1012)).isEqualTo(new ResponseTimeline.Gap(1003, 1011));
        assertThat(t.longestGap(1012, 1012)).isEqualTo(new ResponseTimeline.Gap(1011, 1012));
        assertThat(t.longestGap(2000, 3000)).as("after the last response").isNull();
    }

    @Test
    void binsCountOnlyTheResponsesInsideTheirSpan() {
        ResponseTimeline t = ResponseTimeline.parse(WRK);
        assertThat(t.bins(1000, 1010, 5)).containsExactly(5, 0);
        assertThat(t.bins(995, 1013, 5)).as("a bin before the first response, the last one cut short")
                .containsExactly(0, 5, 0, 5);
        assertThat(t.bins(1001, 1004, 1)).containsExactly(0, 0, 2);
    }

    @Test
    void noResponsesMakeAnEmptyTimelineWithoutGap() {
        ResponseTimeline t = ResponseTimeline.parse("ferry-timeline ms none\nferry-timeline status 0\n");
        assertThat(t.total()).isZero();
        assertThat(t.longestGap()).isNull();
        assertThat(ResponseTimeline.parse("ferry-timeline ms 5 7\n").longestGap()).as("one millisecond").isNull();
    }

    @Test
    void outputWithoutTheScriptsLinesIsRejected() {
        assertThatThrownBy(() -> ResponseTimeline.parse("Running 2s test\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no response timeline");
        assertThatThrownBy(() -> ResponseTimeline.parse("ferry-timeline ms 12 1,x\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed");
    }
}
