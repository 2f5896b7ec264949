package dev.ferry.machine.time;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The real-time clock stands still while stopped and compares deadlines as unsigned, like the CLINT. */
class RealTimeClockTest {

    @Test
    void stoppedClockKeepsItsValue() throws InterruptedException {
        RealTimeClock c = new RealTimeClock();
        c.set(1234);
        Thread.sleep(5);
        assertThat(c.mtime()).isEqualTo(1234);
        c.start();
        Thread.sleep(5);
        c.stop();
        long t = c.mtime();
        assertThat(t).isGreaterThan(1234);
        Thread.sleep(5);
        assertThat(c.mtime()).isEqualTo(t);
    }

    @Test
    void deadlinesAreUnsigned() {
        RealTimeClock c = new RealTimeClock();
        c.set(1000);
        assertThat(c.nanosUntil(999)).isZero();
        assertThat(c.nanosUntil(1000)).isZero();
        assertThat(c.nanosUntil(1010)).isEqualTo(1000);
        assertThat(c.nanosUntil(-1L)).as("mtimecmp = all ones means 'never'").isEqualTo(Long.MAX_VALUE);
    }
}
