package dev.ferry.machine.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.machine.state.RecordCodec;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class PlicTest {

    private static final int PENDING = 0x1000;
    private static final int ENABLE0 = 0x2000;
    private static final int ENABLE1 = 0x2080;
    private static final int THRESHOLD0 = 0x20_0000;
    private static final int CLAIM0 = 0x20_0004;
    private static final int THRESHOLD1 = 0x20_1000;
    private static final int CLAIM1 = 0x20_1004;

    private final RecordingSink sink = new RecordingSink();
    private final Plic plic = new Plic(sink);

    private long r(int offset) {
        return plic.read(offset, 4);
    }

    private void w(int offset, long value) {
        plic.write(offset, 4, value);
    }

    private boolean meip() {
        return sink.level(InterruptSink.MEIP);
    }

    private boolean seip() {
        return sink.level(InterruptSink.SEIP);
    }

    @Test
    void constructionDrivesBothOutputsLow() {
        assertThat(sink.calls()).isEqualTo(2);
        assertThat(meip()).isFalse();
        assertThat(seip()).isFalse();
    }

    @Test
    void prioritiesAndThresholdsKeepThreeBits() {
        w(4 * 10, 0xffff_ffffL);
        assertThat(r(4 * 10)).isEqualTo(7);
        w(4 * 10, 9);
        assertThat(r(4 * 10)).isEqualTo(1);
        w(THRESHOLD0, 3);
        assertThat(r(THRESHOLD0)).isEqualTo(3);
        w(THRESHOLD0, 8);
        assertThat(r(THRESHOLD0)).isZero();
        w(THRESHOLD0, 0xffff_ffffL);
        assertThat(r(THRESHOLD0)).isEqualTo(7);
        w(THRESHOLD1, 2);
        assertThat(r(THRESHOLD1)).isEqualTo(2);
    }

    @Test
    void registerRangesMatchQemuVirt() {
        w(0, 5);
        assertThat(r(0)).isZero();
        w(4 * 95, 3);
        assertThat(r(4 * 95)).isEqualTo(3);
        w(4 * 96, 3);
        assertThat(r(4 * 96)).isEqualTo(3);
        w(4 * 97, 3);
        assertThat(r(4 * 97)).isZero();
        for (int word = 0; word < 4; word++) {
            w(ENABLE0 + 4 * word, 0xffff_ffffL);
        }
        assertThat(r(ENABLE0)).isEqualTo(0xffff_ffffL);
        assertThat(r(ENABLE0 + 8)).isEqualTo(0xffff_ffffL);
        assertThat(r(ENABLE0 + 12)).isZero();
        w(ENABLE1, 0x1234_5678L);
        assertThat(r(ENABLE1)).isEqualTo(0x1234_5678L);
        w(0x2100, 0x1234_5678L);
        assertThat(r(0x2100)).isZero();
        w(0x20_2000, 2);
        assertThat(r(0x20_2000)).isZero();
        assertThat(r(0x20_0008)).isZero();
    }

    @Test
    void pendingLatchesAndIsReadOnly() {
        w(PENDING, 0xffff_ffffL);
        assertThat(r(PENDING)).isZero();
        plic.setSourceLevel(10, true);
        assertThat(r(PENDING)).isEqualTo(1L << 10);
        plic.setSourceLevel(10, false);
        assertThat(r(PENDING)).isEqualTo(1L << 10);
        plic.setSourceLevel(33, true);
        assertThat(r(PENDING + 4)).isEqualTo(2);
        assertThat(plic.isPending(33)).isTrue();
        assertThat(meip()).isFalse();
    }

    @Test
    void claimCompleteCycle() {
        w(4 * 10, 1);
        w(ENABLE0, 1L << 10);
        plic.setSourceLevel(10, true);
        assertThat(meip()).isTrue();
        assertThat(seip()).isFalse();

        assertThat(r(CLAIM0)).isEqualTo(10);
        assertThat(r(PENDING)).isZero();
        assertThat(meip()).isFalse();
        assertThat(r(CLAIM0)).isZero();

        plic.setSourceLevel(10, true);
        assertThat(r(PENDING)).isEqualTo(1L << 10);
        assertThat(meip()).isFalse();
        assertThat(r(CLAIM0)).isZero();

        w(CLAIM0, 10);
        assertThat(meip()).isTrue();
        assertThat(r(CLAIM0)).isEqualTo(10);
        w(CLAIM0, 10);
        assertThat(meip()).isFalse();
        assertThat(r(CLAIM0)).isZero();
    }

    @Test
    void priorityMustExceedThreshold() {
        w(4 * 10, 1);
        w(ENABLE0, 1L << 10);
        w(THRESHOLD0, 1);
        plic.setSourceLevel(10, true);
        assertThat(meip()).isFalse();
        assertThat(r(CLAIM0)).isZero();
        assertThat(r(PENDING)).isEqualTo(1L << 10);
        w(THRESHOLD0, 0);
        assertThat(meip()).isTrue();
    }

    @Test
    void zeroPriorityNeverInterrupts() {
        w(ENABLE0, 1L << 10);
        plic.setSourceLevel(10, true);
        assertThat(meip()).isFalse();
        assertThat(r(CLAIM0)).isZero();
    }

    @Test
    void highestPriorityWinsAndTiesGoToTheLowestId() {
        w(ENABLE0, (1L << 3) | (1L << 5) | (1L << 7));
        w(ENABLE0 + 4, 1L << (40 - 32));
        w(4 * 3, 2);
        w(4 * 5, 6);
        w(4 * 7, 6);
        w(4 * 40, 4);
        for (int irq : new int[] {3, 5, 7, 40}) {
            plic.setSourceLevel(irq, true);
        }
        assertThat(r(CLAIM0)).isEqualTo(5);
        assertThat(r(CLAIM0)).isEqualTo(7);
        assertThat(r(CLAIM0)).isEqualTo(40);
        assertThat(r(CLAIM0)).isEqualTo(3);
        assertThat(r(CLAIM0)).isZero();
    }

    @Test
    void supervisorContextDrivesSeip() {
        w(4 * 10, 1);
        w(ENABLE1, 1L << 10);
        plic.setSourceLevel(10, true);
        assertThat(seip()).isTrue();
        assertThat(meip()).isFalse();
        assertThat(r(CLAIM0)).isZero();
        assertThat(r(CLAIM1)).isEqualTo(10);
        assertThat(seip()).isFalse();
    }

    @Test
    void claimRespectsEnablesButCompletionDoesNot() {
        w(4 * 10, 1);
        plic.setSourceLevel(10, true);
        assertThat(r(CLAIM0)).isZero();
        w(ENABLE0, 1L << 10);
        assertThat(meip()).isTrue();
        assertThat(r(CLAIM0)).isEqualTo(10);
        plic.setSourceLevel(10, true);
        w(ENABLE0, 0);
        w(CLAIM0, 10);
        assertThat(meip()).isFalse();
        w(ENABLE0, 1L << 10);
        assertThat(meip()).isTrue();
        assertThat(r(CLAIM0)).isEqualTo(10);
    }

    @Test
    void completionOfUnknownIdsIsIgnored() {
        w(4 * 10, 1);
        w(ENABLE0, 1L << 10);
        plic.setSourceLevel(10, true);
        assertThat(r(CLAIM0)).isEqualTo(10);
        plic.setSourceLevel(10, true);
        w(CLAIM0, 96);
        w(CLAIM0, 0xffff_ffffL);
        w(CLAIM0, 0);
        assertThat(meip()).isFalse();
        w(CLAIM0, 10);
        assertThat(meip()).isTrue();
    }

    @Test
    void sourcesOutsideRangeAreRejected() {
        assertThatThrownBy(() -> plic.setSourceLevel(0, true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> plic.setSourceLevel(96, true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> plic.line(96)).isInstanceOf(IllegalArgumentException.class);
        plic.line(95).setLevel(true);
        assertThat(plic.isPending(95)).isTrue();
    }

    @Test
    void acceptsOnlyAlignedWords() {
        assertThat(plic.accepts(0x28, 4)).isTrue();
        assertThat(plic.accepts(0x28, 1)).isFalse();
        assertThat(plic.accepts(0x28, 2)).isFalse();
        assertThat(plic.accepts(0x28, 8)).isFalse();
        assertThat(plic.accepts(0x2a, 4)).isFalse();
    }

    @Test
    void uartDrivesItsSource() {
        Uart16550 uart = new Uart16550(b -> { }, plic.line(Plic.UART0_IRQ));
        w(4 * 10, 1);
        w(ENABLE0, 1L << 10);
        uart.write(1, 1, 0x02);
        assertThat(meip()).isTrue();
        assertThat(r(CLAIM0)).isEqualTo(10);
        assertThat(uart.read(2, 1)).isEqualTo(0x02);
        w(CLAIM0, 10);
        assertThat(meip()).isFalse();
    }

    @Test
    void saveAndRestore() throws Exception {
        w(4 * 10, 3);
        w(4 * 96, 2);
        w(ENABLE0, 1L << 10);
        w(ENABLE1 + 8, 0xdead_beefL);
        w(THRESHOLD1, 5);
        plic.setSourceLevel(10, true);
        plic.setSourceLevel(12, true);
        assertThat(r(CLAIM0)).isEqualTo(10);
        plic.setSourceLevel(10, true);
        PlicState saved = plic.saveState();

        RecordingSink otherSink = new RecordingSink();
        Plic copy = new Plic(otherSink);
        copy.restoreState(RecordCodec.decode(RecordCodec.encode(saved), PlicState.class));
        assertThat(RecordCodec.encode(copy.saveState())).isEqualTo(RecordCodec.encode(saved));
        assertThat(otherSink.level(InterruptSink.MEIP)).isFalse();
        assertThat(copy.read(PENDING, 4)).isEqualTo((1L << 10) | (1L << 12));
        assertThat(copy.read(CLAIM0, 4)).isZero();
        copy.write(CLAIM0, 4, 10);
        assertThat(otherSink.level(InterruptSink.MEIP)).isTrue();
        assertThat(copy.read(ENABLE1 + 8, 4)).isEqualTo(0xdead_beefL);
        assertThat(copy.read(THRESHOLD1, 4)).isEqualTo(5);
    }

    @Test
    void validateRejectsInconsistentState() {
        PlicState good = plic.saveState();
        int[] badPriority = new int[Plic.PRIORITY_REGISTERS];
        badPriority[4] = 8;
        assertThatThrownBy(() -> plic.validateState(new PlicState(badPriority, good.pending(), good.claimed(),
                good.enable(), good.threshold()))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> plic.validateState(new PlicState(good.priority(), new int[2], good.claimed(),
                good.enable(), good.threshold()))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> plic.validateState(new PlicState(good.priority(), new int[] {1, 0, 0},
                good.claimed(), good.enable(), good.threshold()))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void concurrentSourcesAreAllDelivered() throws Exception {
        for (int irq = 1; irq < Plic.SOURCES; irq++) {
            w(4 * irq, 1);
        }
        for (int word = 0; word < Plic.WORDS; word++) {
            w(ENABLE0 + 4 * word, 0xffff_ffffL);
        }
        CountDownLatch start = new CountDownLatch(1);
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            int first = 1 + t;
            threads[t] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                for (int irq = first; irq < Plic.SOURCES; irq += threads.length) {
                    plic.setSourceLevel(irq, true);
                }
            });
            threads[t].start();
        }
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        boolean[] seen = new boolean[Plic.SOURCES];
        int id;
        while ((id = (int) r(CLAIM0)) != 0) {
            assertThat(seen[id]).isFalse();
            seen[id] = true;
        }
        for (int irq = 1; irq < Plic.SOURCES; irq++) {
            assertThat(seen[irq]).as("source %d", irq).isTrue();
        }
    }
}
