package dev.ferry.machine.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestFinisherTest {

    private final List<String> events = new ArrayList<>();
    private final TestFinisher finisher = new TestFinisher(new PowerControl() {
        @Override
        public void powerOff(int exitCode) {
            events.add("off " + exitCode);
        }

        @Override
        public void reset() {
            events.add("reset");
        }
    });

    @Test
    void passFailAndReset() {
        finisher.write(0, 4, 0x5555);
        finisher.write(0, 4, 0x0003_3333);
        finisher.write(0, 4, 0xffff_3333L);
        finisher.write(0, 4, 0x7777);
        finisher.write(0, 4, 0x0009_5555);
        finisher.write(0, 2, 0x5555);
        assertThat(events).containsExactly("off 0", "off 3", "off 65535", "reset", "off 0", "off 0");
    }

    @Test
    void otherValuesAndOffsetsAreIgnored() {
        finisher.write(0, 4, 0x1234);
        finisher.write(4, 4, 0x5555);
        finisher.write(0, 4, 0x5556);
        assertThat(events).isEmpty();
    }

    @Test
    void readsAreZeroAndOnlyHalfAndFullWordsDecode() {
        assertThat(finisher.read(0, 4)).isZero();
        assertThat(finisher.read(0xffc, 4)).isZero();
        assertThat(finisher.accepts(0, 2)).isTrue();
        assertThat(finisher.accepts(0, 4)).isTrue();
        assertThat(finisher.accepts(0, 1)).isFalse();
        assertThat(finisher.accepts(0, 8)).isFalse();
        assertThat(finisher.size()).isEqualTo(0x1000);
    }
}
