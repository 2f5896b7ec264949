package dev.ferry.machine.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.machine.device.Clint;
import dev.ferry.machine.device.ClintState;
import dev.ferry.machine.device.Plic;
import dev.ferry.machine.device.PlicState;
import dev.ferry.machine.device.TestFinisherState;
import dev.ferry.machine.device.Uart16550;
import dev.ferry.machine.device.UartState;
import dev.ferry.machine.device.VirtioMmioSlotState;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RecordCodecTest {

    enum Mode { MACHINE, SUPERVISOR, USER }

    record Point(int x, long y) {
    }

    record Empty() {
    }

    record Everything(boolean flag, byte b, short s, char c, int i, long l, float f, double d, String text,
                      byte[] bytes, int[] ints, long[] longs, boolean[] bools, Mode mode, Point point,
                      List<Point> points, List<String> names, List<Empty> empties, List<List<Point>> nested) {
    }

    record Tree(int value, List<Tree> children) {
    }

    record Positive(int value) {
        Positive {
            if (value <= 0) {
                throw new IllegalArgumentException("value must be positive");
            }
        }
    }

    record Holder(String text) {
    }

    record WithMap(Map<String, Integer> map) {
    }

    record Pair(int a, boolean b) {
    }

    record PairRenamed(int first, boolean second) {
    }

    static Everything sample() {
        return new Everything(true, (byte) -7, (short) -300, '\u20ac', Integer.MIN_VALUE, Long.MAX_VALUE,
                Float.intBitsToFloat(0x7fc0_1234), -0.0, "h\u00e9llo \uD83D\uDE00",
                new byte[] {0, 1, (byte) 0xff}, new int[] {1, -1, 42}, new long[] {Long.MIN_VALUE, 0},
                new boolean[] {true, false, true}, Mode.SUPERVISOR, new Point(3, -4),
                List.of(new Point(1, 2), new Point(5, 6)), List.of("a", "", "\u00fc"),
                List.of(new Empty(), new Empty()), List.of(List.of(), List.of(new Point(9, 9))));
    }

    @Test
    void everySupportedTypeRoundTrips() throws Exception {
        Everything e = sample();
        Everything back = RecordCodec.decode(RecordCodec.encode(e), Everything.class);
        assertThat(back).usingRecursiveComparison().ignoringFields("f").isEqualTo(e);
        assertThat(RecordCodec.encode(back)).isEqualTo(RecordCodec.encode(e));
        assertThat(Float.floatToRawIntBits(back.f())).isEqualTo(0x7fc0_1234);
        assertThat(Double.doubleToRawLongBits(back.d())).isEqualTo(Double.doubleToRawLongBits(-0.0));
        assertThat(back.points()).isUnmodifiable();
    }

    @Test
    void encodingIsDeterministicAndPinned() {
        assertThat(RecordCodec.encode(sample())).isEqualTo(RecordCodec.encode(sample()));
        assertThat(RecordCodec.encode(new Pair(5, true))).containsExactly(0, 0, 0, 5, 1);
        assertThat(RecordCodec.encode(new Holder("\u00e9"))).containsExactly(0, 0, 0, 2, 0xc3, 0xa9);
        assertThat(RecordCodec.encode(new Point(1, -1)))
                .containsExactly(0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
        assertThat(RecordCodec.encode(new Empty())).isEmpty();
    }

    @Test
    void recursiveRecordsRoundTrip() throws Exception {
        Tree t = new Tree(1, List.of(new Tree(2, List.of()), new Tree(3, List.of(new Tree(4, List.of())))));
        assertThat(RecordCodec.decode(RecordCodec.encode(t), Tree.class)).isEqualTo(t);
    }

    @Test
    void deviceStatesRoundTrip() throws Exception {
        Uart16550 uart = new Uart16550(b -> { }, h -> { });
        uart.write(2, 1, 0x81);
        uart.write(1, 1, 0x0f);
        uart.write(7, 1, 0x5a);
        for (byte b : "state".getBytes()) {
            uart.receive(b);
        }
        UartState u = uart.saveState();
        assertThat(RecordCodec.decode(RecordCodec.encode(u), UartState.class)).usingRecursiveComparison().isEqualTo(u);

        Plic plic = new Plic((bit, level) -> { });
        plic.write(4 * 10, 4, 5);
        plic.write(0x2000, 4, 0xffff_ffffL);
        plic.setSourceLevel(10, true);
        PlicState p = plic.saveState();
        assertThat(RecordCodec.decode(RecordCodec.encode(p), PlicState.class)).usingRecursiveComparison().isEqualTo(p);

        Clint clint = new Clint(() -> 0, (bit, level) -> { });
        clint.write(0x4000, 8, -2);
        clint.write(0, 4, 1);
        ClintState c = clint.saveState();
        assertThat(RecordCodec.decode(RecordCodec.encode(c), ClintState.class)).isEqualTo(c);

        assertThat(RecordCodec.decode(RecordCodec.encode(new TestFinisherState()), TestFinisherState.class))
                .isEqualTo(new TestFinisherState());
        assertThat(RecordCodec.decode(RecordCodec.encode(new VirtioMmioSlotState()), VirtioMmioSlotState.class))
                .isEqualTo(new VirtioMmioSlotState());
    }

    @Test
    void everyTruncationFailsCleanly() {
        byte[] full = RecordCodec.encode(sample());
        for (int n = 0; n < full.length; n++) {
            byte[] cut = Arrays.copyOf(full, n);
            assertThatThrownBy(() -> RecordCodec.decode(cut, Everything.class))
                    .as("truncated to %d bytes", n)
                    .isInstanceOf(StateFormatException.class)
                    .hasMessageStartingWith("cannot decode Everything: ");
        }
    }

    @Test
    void trailingBytesAreRejected() {
        byte[] bytes = Arrays.copyOf(RecordCodec.encode(new Pair(1, false)), 6);
        assertThatThrownBy(() -> RecordCodec.decode(bytes, Pair.class))
                .isInstanceOf(StateFormatException.class).hasMessageContaining("1 unexpected bytes");
    }

    @Test
    void hugeLengthsFailWithoutAllocating() {
        byte[] bytes = {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 'a'};
        assertThatThrownBy(() -> RecordCodec.decode(bytes, Holder.class))
                .isInstanceOf(StateFormatException.class).hasMessageContaining("length 2147483647 exceeds the data");
        byte[] negative = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfe};
        assertThatThrownBy(() -> RecordCodec.decode(negative, Holder.class))
                .isInstanceOf(StateFormatException.class).hasMessageContaining("length 4294967294");

        record Empties(List<Empty> list) {
        }
        byte[] manyEmpties = {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> RecordCodec.decode(manyEmpties, Empties.class))
                .isInstanceOf(StateFormatException.class);
    }

    @Test
    void deepNestingIsRefused() {
        Tree t = new Tree(0, List.of());
        for (int i = 0; i < 40; i++) {
            t = new Tree(i, List.of(t));
        }
        byte[] bytes = RecordCodec.encode(t);
        assertThatThrownBy(() -> RecordCodec.decode(bytes, Tree.class))
                .isInstanceOf(StateFormatException.class).hasMessageContaining("nesting deeper than");
    }

    @Test
    void invalidValuesAreRejected() {
        assertThatThrownBy(() -> RecordCodec.decode(new byte[] {0, 0, 0, 1, 2}, Pair.class))
                .isInstanceOf(StateFormatException.class).hasMessageContaining("invalid boolean 2");
        record WithMode(Mode mode) {
        }
        byte[] unknown = RecordCodec.encode(new Holder("HYPERVISOR"));
        assertThatThrownBy(() -> RecordCodec.decode(unknown, WithMode.class))
                .isInstanceOf(StateFormatException.class).hasMessageContaining("unknown constant 'HYPERVISOR'");
        assertThatThrownBy(() -> RecordCodec.decode(new byte[] {0, 0, 0, 1, (byte) 0xc3}, Holder.class))
                .isInstanceOf(StateFormatException.class).hasMessageContaining("not valid UTF-8");
        byte[] zero = RecordCodec.encode(new Pair(0, false));
        assertThatThrownBy(() -> RecordCodec.decode(Arrays.copyOf(zero, 4), Positive.class))
                .isInstanceOf(StateFormatException.class).hasMessageContaining("value must be positive");
    }

    @Test
    void randomCorruptionNeverEscapesAsAnotherException() {
        byte[] good = RecordCodec.encode(sample());
        Random random = new Random(1234);
        for (int round = 0; round < 5000; round++) {
            byte[] bad = good.clone();
            int flips = 1 + random.nextInt(4);
            for (int k = 0; k < flips; k++) {
                bad[random.nextInt(bad.length)] = (byte) random.nextInt(256);
            }
            try {
                RecordCodec.decode(bad, Everything.class);
            } catch (StateFormatException expected) {
                assertThat(expected.getMessage()).startsWith("cannot decode Everything: ");
            }
        }
    }

    @Test
    void encodingProblemsAreProgrammingErrors() {
        assertThatThrownBy(() -> RecordCodec.encode(new Holder(null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Holder.text is null");
        assertThatThrownBy(() -> RecordCodec.encode(new Holder("\uD800")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not valid Unicode");
        assertThatThrownBy(() -> RecordCodec.encode(new WithMap(Map.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unsupported state type");
        assertThatThrownBy(() -> RecordCodec.encode(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fingerprintFollowsTheLayout() {
        assertThat(RecordCodec.layout(Pair.class)).isEqualTo("{a:int,b:boolean}");
        assertThat(RecordCodec.layout(Tree.class)).isEqualTo("{value:int,children:[^Tree]}");
        assertThat(RecordCodec.fingerprint(Pair.class)).isEqualTo(RecordCodec.fingerprint(Pair.class));
        assertThat(RecordCodec.fingerprint(Pair.class)).isNotEqualTo(RecordCodec.fingerprint(PairRenamed.class));
        assertThat(RecordCodec.fingerprint(Point.class)).isNotEqualTo(RecordCodec.fingerprint(Pair.class));
    }
}
