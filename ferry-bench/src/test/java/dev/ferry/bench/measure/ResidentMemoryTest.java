package dev.ferry.bench.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class ResidentMemoryTest {

    @Test
    void parsesAProcFigureInKiB() throws IOException {
        assertThat(ResidentMemory.parseKiB("\t  123456 kB")).isEqualTo(123456L * 1024);
    }

    @Test
    void rejectsAFigureWithoutUnit() {
        assertThatThrownBy(() -> ResidentMemory.parseKiB(" 12 MB")).isInstanceOf(IOException.class);
    }

    @Test
    void thisJvmIsResident() throws IOException {
        long rss = ResidentMemory.of(ProcessHandle.current().pid());
        assertThat(rss).isGreaterThan(1L << 20).isLessThan(Runtime.getRuntime().maxMemory() + (4L << 30));
    }
}
