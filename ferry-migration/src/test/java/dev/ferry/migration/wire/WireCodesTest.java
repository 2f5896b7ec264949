package dev.ferry.migration.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.migration.transfer.Encoding;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

/** Wire enums are decoded by their explicit codes, never by ordinal. */
class WireCodesTest {

    private enum Shuffled {
        B(2), A(0), Z(7);

        private final int code;

        Shuffled(int code) {
            this.code = code;
        }
    }

    private enum Clash {
        X(1), Y(1);

        private final int code;

        Clash(int code) {
            this.code = code;
        }
    }

    private static <E extends Enum<E>> void everyCodeMapsBack(E[] values, ToIntFunction<E> code, IntFunction<E> of) {
        for (E e : values) {
            assertThat(of.apply(code.applyAsInt(e))).isSameAs(e);
        }
        for (int c = -1; c <= 256; c++) {
            E e = of.apply(c);
            assertThat(e == null || code.applyAsInt(e) == c).as("code %d", c).isTrue();
        }
    }

    @Test
    void constantsAreFoundByCodeWhateverTheirOrder() {
        Shuffled[] table = WireCodes.table(Shuffled.values(), s -> s.code);
        assertThat(WireCodes.lookup(table, 0)).isSameAs(Shuffled.A);
        assertThat(WireCodes.lookup(table, 2)).isSameAs(Shuffled.B);
        assertThat(WireCodes.lookup(table, 7)).isSameAs(Shuffled.Z);
        assertThat(WireCodes.lookup(table, 1)).isNull();
        assertThat(WireCodes.lookup(table, 8)).isNull();
        assertThat(WireCodes.lookup(table, -1)).isNull();
    }

    @Test
    void aCodeUsedTwiceIsAnError() {
        assertThatThrownBy(() -> WireCodes.table(Clash.values(), c -> c.code)).hasMessageContaining("used twice");
    }

    @Test
    void everyWireEnumDecodesItsOwnCodes() {
        everyCodeMapsBack(Encoding.values(), Encoding::code, Encoding::ofCode);
        everyCodeMapsBack(FrameType.values(), FrameType::code, FrameType::ofCode);
        everyCodeMapsBack(Handshake.Purpose.values(), Handshake.Purpose::code, Handshake.Purpose::ofCode);
        assertThat(FrameType.CONSOLE_HISTORY.code()).isEqualTo(21);
    }
}
