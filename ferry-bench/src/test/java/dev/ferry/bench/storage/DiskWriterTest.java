package dev.ferry.bench.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DiskWriterTest {

    /** What the guest's init does to a ferry.run= value: {@code _} is a space, {@code %XX} a byte. */
    private static String decode(String value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '_') {
                out.write(' ');
            } else if (c == '%') {
                out.write(Integer.parseInt(value.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theKernelArgumentIsOneWordThatInitDecodesIntoTheScript() {
        DiskWriter w = new DiskWriter(1L << 30, 0.05);
        String arg = w.kernelArgument();
        assertThat(arg).startsWith("ferry.run=").doesNotContain(" ", "\"", "'", "\\");
        assertThat(decode(arg.substring("ferry.run=".length()))).isEqualTo(w.script());
        assertThat(w.script()).contains("bs=4096 seek=$i conv=sync,fsync", "sleep 0.050", "-lt 16383");
    }

    @Test
    void underscoresPercentsAndQuotesAreEscaped() {
        assertThat(DiskWriter.encode("a_b %c \"d'")).isEqualTo("a%5Fb_%25c_%22d%27");
    }

    @Test
    void recordsUseAtMostHalfOfASmallDisk() {
        assertThat(new DiskWriter(1L << 20, 1).capacity()).isEqualTo(127);
        assertThat(new DiskWriter(1L << 20, 1).script()).contains("sleep 1;");
        assertThatThrownBy(() -> new DiskWriter(5000, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theLastAcknowledgedRecordIsTheHighestWriterLine() {
        String console = "writer start\r\nwriter 1\r\nwriter 2\r\n[  3.1] random kernel line writer 99\r\nwriter 3\r\n"
                + "writer full 3\r\n";
        assertThat(DiskWriter.lastAcknowledged(console)).isEqualTo(3);
        assertThat(DiskWriter.lastAcknowledged("writer start\n")).isZero();
    }

    @Test
    void aRecordIsItsLinePaddedWithZeros() {
        byte[] r = DiskWriter.record(42);
        assertThat(r).hasSize(4096);
        assertThat(new String(r, 0, 13, StandardCharsets.US_ASCII)).isEqualTo("ferry-rec 42\n");
        assertThat(r[13]).isZero();
        assertThat(r[4095]).isZero();
    }
}
