package dev.ferry.migration.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.migration.ConsoleHistory;
import dev.ferry.migration.Strategy;
import dev.ferry.migration.VmDescriptor;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Control-frame payloads in the layouts of protocol versions 2 and 3. */
class MessagesTest {

    private static final VmDescriptor VM = new VmDescriptor("web1", 64L << 20, true, 5000, true, "munch",
            "wss=4M rate=max");

    @Test
    void beginOfVersion3CarriesImageAndBootArguments() throws Exception {
        Frame f = new Messages.Begin(VM, Strategy.HYBRID, 4).frame(3);
        assertThat(Messages.Begin.decode(f, 3)).isEqualTo(new Messages.Begin(VM, Strategy.HYBRID, 4));
    }

    @Test
    void beginOfVersion2KeepsTheOldLayout() throws Exception {
        Frame f = new Messages.Begin(VM, Strategy.PRECOPY, 1).frame(2);
        byte[] v2 = new PayloadWriter().str("web1").i64(64L << 20).bool(true).i64(5000).bool(true).str("PRECOPY")
                .u8(1).toByteArray();
        assertThat(f.payload()).isEqualTo(v2);
        assertThat(Messages.Begin.decode(f, 2).vm())
                .isEqualTo(new VmDescriptor("web1", 64L << 20, true, 5000, true, "", ""));
    }

    @Test
    void beginOfTheOtherVersionIsRejected() {
        Frame v2 = new Messages.Begin(VM, Strategy.PRECOPY, 1).frame(2);
        Frame v3 = new Messages.Begin(VM, Strategy.PRECOPY, 1).frame(3);
        assertThatThrownBy(() -> Messages.Begin.decode(v2, 3)).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> Messages.Begin.decode(v3, 2)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void consoleHistoryRoundTripsAndIsChecked() throws Exception {
        byte[] tail = "hello from the source\n".getBytes(StandardCharsets.US_ASCII);
        ConsoleHistory h = Messages.consoleHistory(Messages.consoleHistory(new ConsoleHistory(100_000, tail)));
        assertThat(h.totalBytes()).isEqualTo(100_000);
        assertThat(h.tail()).isEqualTo(tail);
        assertThat(Messages.consoleHistory(Messages.consoleHistory(ConsoleHistory.NONE)).tail()).isEmpty();

        Frame lying = new PayloadWriter().i64(3).bytes(tail).frame(FrameType.CONSOLE_HISTORY);
        assertThatThrownBy(() -> Messages.consoleHistory(lying)).hasMessageContaining("only 3 written");
        Frame huge = new PayloadWriter().i64(1 << 20).bytes(new byte[ConsoleHistory.MAX_BYTES + 1])
                .frame(FrameType.CONSOLE_HISTORY);
        assertThatThrownBy(() -> Messages.consoleHistory(huge)).hasMessageContaining("exceeds 65536");
    }
}
