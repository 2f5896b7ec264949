package dev.ferry.host.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConsoleBufferTest {

    private static String text(ConsoleBuffer.Chunk c) {
        return new String(c.data(), StandardCharsets.US_ASCII);
    }

    @Test
    void readsFromAnOffsetAndTellsTheNext() throws Exception {
        ConsoleBuffer b = new ConsoleBuffer(16);
        b.write("hello world".getBytes(StandardCharsets.US_ASCII));
        ConsoleBuffer.Chunk c = b.read(6, 100, 0);
        assertThat(text(c)).isEqualTo("world");
        assertThat(c.offset()).isEqualTo(6);
        assertThat(c.next()).isEqualTo(11);
        assertThat(b.read(11, 100, 0).data()).isEmpty();
        assertThat(b.read(500, 100, 0).next()).isEqualTo(11);
    }

    @Test
    void dropsTheOldestBytesAndSaysWhereItResumed() throws Exception {
        ConsoleBuffer b = new ConsoleBuffer(8);
        for (int i = 0; i < 20; i++) {
            b.write('a' + i);
        }
        ConsoleBuffer.Chunk c = b.read(0, 100, 0);
        assertThat(c.offset()).isEqualTo(12);
        assertThat(text(c)).isEqualTo("mnopqrst");
        assertThat(c.next()).isEqualTo(20);
        assertThat(text(b.read(14, 3, 0))).isEqualTo("opq");
        assertThat(new String(b.contents(), StandardCharsets.US_ASCII)).isEqualTo("mnopqrst");
    }

    @Test
    void waitsForOutput() throws Exception {
        ConsoleBuffer b = new ConsoleBuffer(8);
        Thread writer = new Thread(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            b.write('x');
        });
        writer.start();
        ConsoleBuffer.Chunk c = b.read(0, 10, 5000);
        assertThat(text(c)).isEqualTo("x");
        writer.join();
    }
}
