package dev.ferry.machine.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ClintTest {

    private final AtomicLong time = new AtomicLong(0x1_2345_6789L);
    private final RecordingSink sink = new RecordingSink();
    private final Clint clint = new Clint(time::get, sink);

    @Test
    void resetStateIsAllZero() {
        assertThat(clint.mtimecmp()).isZero();
        assertThat(clint.read(0x4000, 8)).isZero();
        assertThat(clint.read(0x0, 4)).isZero();
        assertThat(clint.msip()).isFalse();
    }

    @Test
    void msipTakesBitZero() {
        clint.write(0x0, 4, 0xffff_fffeL);
        assertThat(clint.read(0x0, 4)).isZero();
        assertThat(sink.level(InterruptSink.MSIP)).isFalse();
        clint.write(0x0, 4, 0xffff_ffffL);
        assertThat(clint.read(0x0, 4)).isEqualTo(1);
        assertThat(sink.level(InterruptSink.MSIP)).isTrue();
        clint.write(0x0, 4, 0);
        assertThat(sink.level(InterruptSink.MSIP)).isFalse();
    }

    @Test
    void mtimecmpAsWholeAndHalves() {
        clint.write(0x4000, 8, 0x1122_3344_5566_7788L);
        assertThat(clint.mtimecmp()).isEqualTo(0x1122_3344_5566_7788L);
        assertThat(clint.read(0x4000, 4)).isEqualTo(0x5566_7788L);
        assertThat(clint.read(0x4004, 4)).isEqualTo(0x1122_3344L);
        clint.write(0x4004, 4, 0xaabb_ccddL);
        assertThat(clint.mtimecmp()).isEqualTo(0xaabb_ccdd_5566_7788L);
        clint.write(0x4000, 4, 0x0102_0304L);
        assertThat(clint.mtimecmp()).isEqualTo(0xaabb_ccdd_0102_0304L);
        assertThat(clint.read(0x4004, 8)).isEqualTo(0xaabb_ccddL);
        clint.write(0x4004, 8, 0x55L);
        assertThat(clint.mtimecmp()).isEqualTo(0xaabb_ccdd_0102_0304L);
        assertThat(sink.level(InterruptSink.MTIP)).isFalse();
    }

    @Test
    void mtimeComesFromTheClockAndIgnoresWrites() {
        assertThat(clint.read(0xbff8, 8)).isEqualTo(0x1_2345_6789L);
        assertThat(clint.read(0xbff8, 4)).isEqualTo(0x2345_6789L);
        assertThat(clint.read(0xbffc, 4)).isEqualTo(1);
        clint.write(0xbff8, 8, 0x1000_0000_0000L);
        assertThat(clint.read(0xbff8, 8)).isEqualTo(0x1_2345_6789L);
        time.set(-1);
        assertThat(clint.read(0xbff8, 8)).isEqualTo(-1L);
    }

    @Test
    void otherHartsAndGapsReadZero() {
        assertThat(clint.read(0x4, 4)).isZero();
        assertThat(clint.read(0x100, 4)).isZero();
        assertThat(clint.read(0x4008, 8)).isZero();
        assertThat(clint.read(0x8000, 4)).isZero();
    }

    @Test
    void acceptsOnlyTheWidthsQemuDecodes() {
        assertThat(clint.accepts(0x0, 4)).isTrue();
        assertThat(clint.accepts(0x0, 1)).isFalse();
        assertThat(clint.accepts(0x0, 2)).isFalse();
        assertThat(clint.accepts(0x0, 8)).isFalse();
        assertThat(clint.accepts(0x2, 4)).isFalse();
        assertThat(clint.accepts(0x4000, 8)).isTrue();
        assertThat(clint.accepts(0x4004, 4)).isTrue();
        assertThat(clint.accepts(0x4000, 2)).isFalse();
        assertThat(clint.accepts(0xbff8, 1)).isFalse();
        assertThat(clint.accepts(0xbff8, 8)).isTrue();
        assertThat(clint.accepts(0xbffc, 4)).isTrue();
        assertThat(clint.accepts(0xc000, 4)).isFalse();
        assertThat(clint.accepts(0x4004, 8)).isFalse();
    }

    @Test
    void saveAndRestore() {
        clint.write(0x0, 4, 1);
        clint.write(0x4000, 8, 12345);
        ClintState saved = clint.saveState();
        assertThat(saved).isEqualTo(new ClintState(true, 12345));

        RecordingSink otherSink = new RecordingSink();
        Clint copy = new Clint(time::get, otherSink);
        copy.restoreState(saved);
        assertThat(copy.mtimecmp()).isEqualTo(12345);
        assertThat(copy.read(0, 4)).isEqualTo(1);
        assertThat(otherSink.level(InterruptSink.MSIP)).isTrue();
        copy.restoreState(new ClintState(false, -1));
        assertThat(otherSink.level(InterruptSink.MSIP)).isFalse();
        assertThat(copy.read(0x4004, 4)).isEqualTo(0xffff_ffffL);
    }
}
