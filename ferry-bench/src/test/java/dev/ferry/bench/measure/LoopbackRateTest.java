package dev.ferry.bench.measure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class LoopbackRateTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void readsTheReceivedRateOfAnIperf3Report() throws Exception {
        LoopbackRate rate = LoopbackRate.fromReport(JSON.readTree("""
                {"start": {}, "end": {"sum_sent": {"bits_per_second": 9.0e9},
                                      "sum_received": {"bits_per_second": 8.0e9}}}"""));
        assertThat(rate.known()).isTrue();
        assertThat(rate.bitsPerSec()).isEqualTo(8.0e9);
    }

    @Test
    void aReportWithoutARateIsNoFigure() throws Exception {
        LoopbackRate rate = LoopbackRate.fromReport(JSON.readTree("""
                {"start": {}, "end": {}, "error": "unable to connect to server: Connection refused"}"""));
        assertThat(rate.known()).isFalse();
        assertThat(rate.wireMillis(1 << 20)).isNaN();
    }

    @Test
    void wireTimeIsBytesOverTheRate() {
        LoopbackRate gigabit = new LoopbackRate(1e9, null);
        assertThat(gigabit.wireMillis(125_000_000)).isEqualTo(1000.0);
    }

    @Test
    void aMissingIperf3SaysSo() throws Exception {
        LoopbackRate rate = LoopbackRate.measure("/nonexistent/iperf3", 1);
        assertThat(rate.known()).isFalse();
        assertThat(rate.problem()).contains("not installed").contains("iperf3");
    }
}
