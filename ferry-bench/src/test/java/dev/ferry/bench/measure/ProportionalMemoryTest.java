package dev.ferry.bench.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class ProportionalMemoryTest {

    private static final String ROLLUP = """
            55d1e0a4e000-7ffd8b7f6000 ---p 00000000 00:00 0                          [rollup]
            Rss:              884212 kB
            Pss:              871004 kB
            Pss_Dirty:        860000 kB
            Pss_Anon:         850000 kB
            Shared_Clean:      13208 kB
            """;

    @Test
    void readsThePssLineNotItsRelatives() throws IOException {
        assertThat(ProportionalMemory.parse(ROLLUP)).isEqualTo(871004L * 1024);
    }

    @Test
    void aRollupWithoutPssIsAnError() {
        assertThatThrownBy(() -> ProportionalMemory.parse("Rss: 12 kB\n")).isInstanceOf(IOException.class);
    }

    @Test
    void thisJvmHasAPss() throws IOException {
        assertThat(ProportionalMemory.of(ProcessHandle.current().pid())).isGreaterThan(1L << 20);
    }
}
