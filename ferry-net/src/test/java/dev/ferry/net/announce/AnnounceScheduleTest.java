package dev.ferry.net.announce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AnnounceScheduleTest {

    @Test
    void qemuDefaultsSendFiveRoundsWithinEightHundredMilliseconds() {
        AnnounceSchedule s = AnnounceSchedule.QEMU_DEFAULT;
        assertThat(s.rounds()).isEqualTo(5);
        assertThat(new long[] {s.delayBeforeRound(0), s.delayBeforeRound(1), s.delayBeforeRound(2),
                s.delayBeforeRound(3), s.delayBeforeRound(4)}).containsExactly(0, 50, 150, 250, 350);
        assertThat(s.offsetsMillis()).containsExactly(0, 50, 200, 450, 800);
    }

    @Test
    void gapsStopGrowingAtTheMaximum() {
        AnnounceSchedule s = new AnnounceSchedule(50, 200, 6, 100);
        assertThat(s.offsetsMillis()).containsExactly(0, 50, 200, 400, 600, 800);
        assertThatThrownBy(() -> s.delayBeforeRound(6)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesSchedulesWithoutRounds() {
        assertThatThrownBy(() -> new AnnounceSchedule(50, 550, 0, 100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AnnounceSchedule(-1, 550, 5, 100)).isInstanceOf(IllegalArgumentException.class);
    }
}
