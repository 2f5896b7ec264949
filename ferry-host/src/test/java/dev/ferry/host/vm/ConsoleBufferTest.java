package dev.ferry.host.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    @Test
    void givesItsLastBytesWithTheirEndOffset() throws Exception {
        ConsoleBuffer b = new ConsoleBuffer(8);
        assertThat(b.last(4).next()).isZero();
        b.write("abcdefghijkl".getBytes(StandardCharsets.US_ASCII));
        ConsoleBuffer.Chunk tail = b.last(3);
        assertThat(text(tail)).isEqualTo("jkl");
        assertThat(tail.offset()).isEqualTo(9);
        assertThat(tail.next()).isEqualTo(12);
        assertThat(text(b.last(100))).as("no more than it holds").isEqualTo("efghijkl");
    }

    @Test
    void aSeededBufferContinuesTheOffsetsOfTheOutputItTookOver() throws Exception {
        ConsoleBuffer b = new ConsoleBuffer(8);
        b.seed(1000, "0123456789".getBytes(StandardCharsets.US_ASCII));
        assertThat(b.end()).isEqualTo(1000);
        assertThat(text(b.read(0, 100, 0))).as("what fits of the earlier output").isEqualTo("23456789");
        b.write("ab".getBytes(StandardCharsets.US_ASCII));
        ConsoleBuffer.Chunk c = b.read(996, 100, 0);
        assertThat(text(c)).isEqualTo("6789ab");
        assertThat(c.next()).isEqualTo(1002);
        ConsoleBuffer roomy = new ConsoleBuffer(64);
        roomy.seed(100, "xyz".getBytes(StandardCharsets.US_ASCII));
        ConsoleBuffer.Chunk all = roomy.read(0, 100, 0);
        assertThat(text(all)).as("nothing before the output it took over").isEqualTo("xyz");
        assertThat(all.offset()).isEqualTo(97);
        assertThat(new String(roomy.contents(), StandardCharsets.US_ASCII)).isEqualTo("xyz");
        assertThat(text(roomy.last(10))).isEqualTo("xyz");
        assertThatThrownBy(() -> b.seed(5, new byte[0]))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new ConsoleBuffer(8).seed(1, new byte[2]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
