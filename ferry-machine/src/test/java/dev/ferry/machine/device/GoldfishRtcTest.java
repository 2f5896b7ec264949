package dev.ferry.machine.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.state.RecordCodec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GoldfishRtcTest {

    private long source = 1_000_000_000L;
    private int armed;
    private final List<Boolean> line = new ArrayList<>();
    private final GoldfishRtc rtc = new GoldfishRtc(line::add, () -> source, 5_000_000_000L, () -> armed++);

    private long time() {
        long lo = rtc.read(GoldfishRtc.TIME_LOW, 4);
        return rtc.read(GoldfishRtc.TIME_HIGH, 4) << 32 | lo;
    }

    private void alarm(long at) {
        rtc.write(GoldfishRtc.ALARM_HIGH, 4, at >>> 32);
        rtc.write(GoldfishRtc.ALARM_LOW, 4, at & 0xffff_ffffL);
    }

    private boolean level() {
        return !line.isEmpty() && line.get(line.size() - 1);
    }

    @Test
    void timeIsTheSourcePlusTheOffsetAndTimeHighIsLatched() {
        assertThat(time()).isEqualTo(6_000_000_000L);
        rtc.read(GoldfishRtc.TIME_LOW, 4);
        source += 10L << 32;
        assertThat(rtc.read(GoldfishRtc.TIME_HIGH, 4)).as("latched at the TIME_LOW read").isEqualTo(1);
        assertThat(rtc.accepts(0, 8)).isFalse();
        assertThat(rtc.accepts(2, 4)).isFalse();
        assertThat(rtc.read(0x20, 4)).isZero();
    }

    @Test
    void writingTheTimeMovesTheOffset() {
        rtc.write(GoldfishRtc.TIME_HIGH, 4, 0x1234);
        rtc.write(GoldfishRtc.TIME_LOW, 4, 0x5678);
        assertThat(time()).isEqualTo(0x1234_0000_5678L);
        source += 100;
        assertThat(time()).isEqualTo(0x1234_0000_5678L + 100);
    }

    @Test
    void anAlarmInThePastFiresAtOnce() {
        rtc.write(GoldfishRtc.IRQ_ENABLED, 4, 3);
        assertThat(rtc.read(GoldfishRtc.IRQ_ENABLED, 4)).isEqualTo(1);
        alarm(1);
        assertThat(rtc.read(GoldfishRtc.ALARM_STATUS, 4)).isZero();
        assertThat(level()).isTrue();
        rtc.write(GoldfishRtc.CLEAR_INTERRUPT, 4, 1);
        assertThat(level()).isFalse();
    }

    @Test
    void aFutureAlarmRunsUntilPolledAtItsTime() {
        rtc.write(GoldfishRtc.IRQ_ENABLED, 4, 1);
        alarm(6_000_000_500L);
        assertThat(armed).isEqualTo(1);
        assertThat(rtc.read(GoldfishRtc.ALARM_STATUS, 4)).isEqualTo(1);
        assertThat(rtc.alarmSourceNanos()).isEqualTo(1_000_000_500L);
        source += 499;
        rtc.poll();
        assertThat(level()).isFalse();
        source += 1;
        rtc.poll();
        assertThat(level()).isTrue();
        assertThat(rtc.read(GoldfishRtc.ALARM_STATUS, 4)).isZero();
        assertThat(rtc.alarmSourceNanos()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aCancelledAlarmNeverFiresAndADisabledOneStaysLow() {
        alarm(6_000_000_500L);
        rtc.write(GoldfishRtc.CLEAR_ALARM, 4, 1);
        source += 1000;
        rtc.poll();
        assertThat(line).doesNotContain(true);
        alarm(1);
        assertThat(line).as("pending but not enabled").doesNotContain(true);
        rtc.write(GoldfishRtc.IRQ_ENABLED, 4, 1);
        assertThat(level()).isTrue();
    }

    @Test
    void stateRoundTripsWithAnArmedAlarm() throws Exception {
        rtc.write(GoldfishRtc.IRQ_ENABLED, 4, 1);
        rtc.write(GoldfishRtc.TIME_LOW, 4, 7);
        alarm(time() + 1000);
        GoldfishRtcState saved = RecordCodec.decode(RecordCodec.encode(rtc.saveState()), GoldfishRtcState.class);
        List<Boolean> otherLine = new ArrayList<>();
        GoldfishRtc copy = new GoldfishRtc(otherLine::add, () -> source, 0, () -> armed++);
        copy.validateState(saved);
        int before = armed;
        copy.restoreState(saved);
        assertThat(armed).as("restore re-arms").isEqualTo(before + 1);
        assertThat(copy.now()).isEqualTo(rtc.now());
        assertThat(copy.read(GoldfishRtc.ALARM_STATUS, 4)).isEqualTo(1);
        source += 1000;
        copy.poll();
        assertThat(otherLine).containsExactly(true);
    }
}
