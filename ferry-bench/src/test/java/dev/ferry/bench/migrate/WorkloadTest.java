package dev.ferry.bench.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WorkloadTest {

    @Test
    void idleTouchesWhatTouchSays() {
        Workload w = Workload.of("idle", "touch=192M sleep=0", 1L << 30);
        assertThat(w.touchedBytes()).isEqualTo(192L << 20);
        assertThat(w.ready()).isEqualTo("idle: sleeping");
        assertThat(w.ramLabel()).isEqualTo("1G");
    }

    @Test
    void munchTouchesItsWorkingSetAndTheLastValueWins() {
        assertThat(Workload.of("munch", "wss=8M rate=max wss=64M", 256L << 20).touchedBytes()).isEqualTo(64L << 20);
    }

    @Test
    void withoutTheParameterTheGuestsDefault() {
        assertThat(Workload.of("idle", "sleep=0", 256L << 20).touchedBytes()).isEqualTo(16L << 20);
        assertThat(Workload.of("munch", "", 256L << 20).touchedBytes()).isEqualTo(32L << 20);
    }

    @Test
    void neverMoreThanTheRam() {
        assertThat(Workload.of("idle", "touch=1G", 256L << 20).touchedBytes()).isEqualTo(256L << 20);
    }

    @Test
    void anImageWithoutAReadyLineIsAnError() {
        assertThatThrownBy(() -> Workload.of("cpu", "", 128L << 20)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cpu");
    }
}
