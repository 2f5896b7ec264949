package dev.ferry.machine.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.machine.state.RecordCodec;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UartTest {

    private static final int RBR = 0;
    private static final int IER = 1;
    private static final int IIR = 2;
    private static final int FCR = 2;
    private static final int LCR = 3;
    private static final int MCR = 4;
    private static final int LSR = 5;
    private static final int MSR = 6;
    private static final int SCR = 7;

    private final List<Integer> output = new ArrayList<>();
    private final List<Boolean> levels = new ArrayList<>();
    private final Uart16550 uart = new Uart16550(output::add, levels::add);

    private int r(int reg) {
        return (int) uart.read(reg, 1);
    }

    private void w(int reg, int value) {
        uart.write(reg, 1, value);
    }

    private boolean line() {
        return !levels.isEmpty() && levels.get(levels.size() - 1);
    }

    @Test
    void resetValuesMatchQemu() {
        assertThat(r(IER)).isEqualTo(0x00);
        assertThat(r(IIR)).isEqualTo(0x01);
        assertThat(r(LCR)).isEqualTo(0x00);
        assertThat(r(MCR)).isEqualTo(0x08);
        assertThat(r(LSR)).isEqualTo(0x60);
        assertThat(r(MSR)).isEqualTo(0xb0);
        assertThat(r(SCR)).isEqualTo(0x00);
        w(LCR, 0x80);
        assertThat(r(0)).isEqualTo(0x0c);
        assertThat(r(1)).isEqualTo(0x00);
    }

    @Test
    void divisorLatchIsBehindDlab() {
        w(LCR, 0x83);
        w(0, 0x34);
        w(1, 0x12);
        assertThat(r(0)).isEqualTo(0x34);
        assertThat(r(1)).isEqualTo(0x12);
        assertThat(r(IIR)).isEqualTo(0x01);
        w(LCR, 0x03);
        assertThat(r(IER)).isZero();
        assertThat(r(LCR)).isEqualTo(0x03);
        assertThat(output).isEmpty();
        assertThat(uart.saveState().divider()).isEqualTo(0x1234);
    }

    @Test
    void registersKeepOnlyTheirImplementedBits() {
        w(IER, 0xff);
        assertThat(r(IER)).isEqualTo(0x0f);
        w(IER, 0);
        w(MCR, 0xff);
        assertThat(r(MCR)).isEqualTo(0x1f);
        w(MCR, 0);
        w(SCR, 0xa5);
        assertThat(r(SCR)).isEqualTo(0xa5);
        w(LSR, 0);
        assertThat(r(LSR)).isEqualTo(0x60);
    }

    @Test
    void transmitIsInstantaneous() {
        w(RBR, 'h');
        assertThat(r(LSR)).isEqualTo(0x60);
        w(RBR, 'i');
        assertThat(output).containsExactly((int) 'h', (int) 'i');
    }

    @Test
    void outputStreamConstructorWritesBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Uart16550 u = new Uart16550(out, InterruptLine.NONE);
        u.write(0, 1, 0xc3);
        u.write(0, 1, 'x');
        assertThat(out.toByteArray()).containsExactly((byte) 0xc3, (byte) 'x');
    }

    @Test
    void thrEmptyInterruptIsClearedByReadingIir() {
        w(IER, 0x02);
        assertThat(line()).isTrue();
        assertThat(r(IIR)).isEqualTo(0x02);
        assertThat(line()).isFalse();
        assertThat(r(IIR)).isEqualTo(0x01);
        w(RBR, 'x');
        assertThat(line()).isTrue();
        assertThat(r(IIR)).isEqualTo(0x02);
        w(IER, 0x00);
        assertThat(line()).isFalse();
    }

    @Test
    void fifoEnableShowsInIir() {
        w(FCR, 0x01);
        assertThat(r(IIR)).isEqualTo(0xc1);
        w(FCR, 0x07);
        assertThat(r(IIR)).isEqualTo(0xc1);
        w(IER, 0x02);
        assertThat(r(IIR)).isEqualTo(0xc2);
        assertThat(r(IIR)).isEqualTo(0xc1);
        w(FCR, 0x00);
        assertThat(r(IIR)).isEqualTo(0x02);
    }

    @Test
    void receiveWithoutFifoHoldsOneByteAndQueuesTheRest() {
        w(IER, 0x01);
        assertThat(uart.receive((byte) 'a')).isTrue();
        assertThat(uart.receive((byte) 'b')).isTrue();
        assertThat(line()).isTrue();
        assertThat(r(IIR)).isEqualTo(0x04);
        assertThat(r(LSR)).isEqualTo(0x61);
        assertThat(r(RBR)).isEqualTo('a');
        assertThat(r(LSR)).isEqualTo(0x61);
        assertThat(r(RBR)).isEqualTo('b');
        assertThat(r(LSR)).isEqualTo(0x60);
        assertThat(line()).isFalse();
        assertThat(r(IIR)).isEqualTo(0x01);
    }

    @Test
    void fifoBelowTriggerLevelRaisesCharacterTimeout() {
        w(FCR, 0x81);
        w(IER, 0x01);
        for (char c : "abc".toCharArray()) {
            uart.receive((byte) c);
        }
        assertThat(r(IIR)).isEqualTo(0xcc);
        assertThat(line()).isTrue();
        assertThat(r(RBR)).isEqualTo('a');
        assertThat(r(RBR)).isEqualTo('b');
        assertThat(r(RBR)).isEqualTo('c');
        assertThat(r(LSR) & 1).isZero();
        assertThat(r(IIR)).isEqualTo(0xc1);
        assertThat(line()).isFalse();
        assertThat(r(RBR)).isZero();
    }

    @Test
    void fifoAtTriggerLevelRaisesDataAvailable() {
        w(FCR, 0xc1);
        w(IER, 0x01);
        for (int i = 0; i < 20; i++) {
            uart.receive((byte) ('A' + i));
        }
        assertThat(uart.saveState().rxFifo()).hasSize(14);
        assertThat(r(IIR)).isEqualTo(0xc4);
        StringBuilder got = new StringBuilder();
        while ((r(LSR) & 1) != 0) {
            got.append((char) r(RBR));
        }
        assertThat(got).hasToString("ABCDEFGHIJKLMNOPQRST");
    }

    @Test
    void hostBufferRefusesBytesWhenFull() {
        int accepted = 0;
        while (uart.receive((byte) 1)) {
            accepted++;
        }
        assertThat(accepted).isEqualTo(Uart16550.HOST_BUFFER_SIZE + 1);
    }

    @Test
    void loopbackEchoesIntoTheReceiverAndMapsModemLines() {
        w(FCR, 0x01);
        w(MCR, 0x10);
        w(RBR, 'Z');
        assertThat(output).isEmpty();
        assertThat(r(LSR)).isEqualTo(0x61);
        assertThat(r(RBR)).isEqualTo('Z');
        assertThat(r(LSR)).isEqualTo(0x60);
        w(MCR, 0x1f);
        assertThat(r(MSR)).isEqualTo(0xf0);
        w(MCR, 0x11);
        assertThat(r(MSR)).isEqualTo(0x20);
        w(MCR, 0x00);
        assertThat(r(MSR)).isEqualTo(0xb0);
    }

    @Test
    void loopbackOverrunWithoutFifoSetsAndClearsOe() {
        w(IER, 0x04);
        w(MCR, 0x10);
        w(RBR, 'a');
        w(RBR, 'b');
        assertThat(r(IIR)).isEqualTo(0x06);
        assertThat(r(LSR)).isEqualTo(0x63);
        assertThat(r(LSR)).isEqualTo(0x61);
        assertThat(r(IIR)).isEqualTo(0x01);
        assertThat(r(RBR)).isEqualTo('b');
    }

    @Test
    void hostInputWaitsWhileInLoopback() {
        w(MCR, 0x10);
        uart.receive((byte) 'q');
        assertThat(r(LSR) & 1).isZero();
        w(MCR, 0x00);
        assertThat(r(LSR) & 1).isEqualTo(1);
        assertThat(r(RBR)).isEqualTo('q');
    }

    @Test
    void onlyEightRegistersDecodeAndWideAccessReachesOneRegister() {
        assertThat(uart.accepts(7, 1)).isTrue();
        assertThat(uart.accepts(4, 4)).isTrue();
        assertThat(uart.accepts(8, 1)).isFalse();
        assertThat(uart.accepts(0, 8)).isTrue();
        assertThat(uart.accepts(0xff, 1)).isFalse();
        assertThat(uart.read(4, 4)).isEqualTo(0x08);
        assertThat(uart.read(4, 2)).isEqualTo(0x08);
        assertThat(uart.read(5, 2)).isEqualTo(0xb060);
        uart.write(0, 4, 0x4142);
        assertThat(output).containsExactly(0x42);
    }

    @Test
    void saveAndRestoreCarryEveryRegisterAndBuffer() throws Exception {
        w(LCR, 0x80);
        w(0, 0x01);
        w(LCR, 0x1b);
        w(FCR, 0x41);
        w(IER, 0x05);
        w(SCR, 0x77);
        for (int i = 0; i < 10; i++) {
            uart.receive((byte) i);
        }
        UartState saved = uart.saveState();
        assertThat(saved.rxFifo()).containsExactly(0, 1, 2, 3);
        assertThat(saved.hostInput()).containsExactly(4, 5, 6, 7, 8, 9);

        List<Boolean> otherLevels = new ArrayList<>();
        Uart16550 copy = new Uart16550(b -> { }, otherLevels::add);
        copy.restoreState(saved);
        assertThat(otherLevels).isEmpty();
        assertThat(RecordCodec.encode(copy.saveState())).isEqualTo(RecordCodec.encode(saved));
        assertThat(RecordCodec.decode(RecordCodec.encode(saved), UartState.class))
                .usingRecursiveComparison().isEqualTo(saved);
        assertThat(copy.read(IIR, 1)).isEqualTo(0xc4);
        for (int i = 0; i < 10; i++) {
            assertThat(copy.read(RBR, 1)).isEqualTo(i);
        }
        assertThat(copy.read(SCR, 1)).isEqualTo(0x77);
        assertThat(copy.read(LCR, 1)).isEqualTo(0x1b);
    }

    @Test
    void validateRejectsImpossibleValues() {
        UartState good = uart.saveState();
        assertThatThrownBy(() -> uart.validateState(new UartState(0x10, 0, 8, 0x60, 0xb0, 0, 0, 12, 0, false,
                new byte[0], new byte[0]))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("IER");
        assertThatThrownBy(() -> uart.validateState(new UartState(0, 0, 8, 0x60, 0xb0, 0, 0x02, 12, 0, false,
                new byte[0], new byte[0]))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("FCR");
        assertThatThrownBy(() -> uart.validateState(new UartState(0, 0, 8, 0x60, 0xb0, 0, 1, 12, 0, false,
                new byte[17], new byte[0]))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("FIFO");
        assertThat(RecordCodec.encode(uart.saveState())).isEqualTo(RecordCodec.encode(good));
    }

    @Test
    void bytesFromAnotherThreadArriveInOrder() throws Exception {
        w(FCR, 0x81);
        int n = 20_000;
        Thread producer = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                while (!uart.receive((byte) i)) {
                    Thread.onSpinWait();
                }
            }
        });
        producer.start();
        int next = 0;
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (next < n && System.nanoTime() < deadline) {
            if ((r(LSR) & 1) != 0) {
                assertThat(r(RBR)).isEqualTo(next & 0xff);
                next++;
            }
        }
        producer.join();
        assertThat(next).isEqualTo(n);
    }
}
