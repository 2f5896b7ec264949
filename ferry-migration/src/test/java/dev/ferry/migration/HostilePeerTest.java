package dev.ferry.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.migration.wire.Frame;
import dev.ferry.migration.wire.FrameConnection;
import dev.ferry.migration.wire.FrameType;
import dev.ferry.migration.wire.Handshake;
import dev.ferry.migration.wire.Messages;
import dev.ferry.migration.wire.PayloadWriter;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A receiver meets broken or hostile peers: it answers with a clear error and keeps serving. */
class HostilePeerTest {

    private static FrameConnection open(Harness.Host h, Handshake.Purpose purpose, String id, int stream)
            throws Exception {
        FrameConnection c = FrameConnection.connect(h.endpoint(), new AtomicLong());
        Handshake.asSource(c, Harness.SECRET, Handshake.VERSION, new Handshake.Hello(purpose, id, stream));
        return c;
    }

    @Test
    void invalidDeviceStateIsRefusedOnArrival() throws Exception {
        try (Harness.Host target = new Harness.Host()) {
            try (FrameConnection control = open(target, Handshake.Purpose.CONTROL, "d1", 0)) {
                control.send(new Messages.Begin(new VmDescriptor("odd", Harness.RAM, true, 1000), Strategy.PRECOPY, 1)
                        .frame(Handshake.VERSION));
                control.expect(FrameType.BEGIN_OK, 5000);
                VirtMachine same = new VirtMachine(new MachineConfig(Harness.RAM, true, "",
                        OutputStream.nullOutputStream()));
                control.send(Harness.withInvalidPlic(Harness.deviceState(same)));
                Frame f = control.receive(5000);
                assertThat(f.type()).as("answer to DEVICE_STATE alone, before any SWITCHOVER")
                        .isEqualTo(FrameType.ERROR);
                assertThat(Messages.error(f)).contains("component 'plic': PLIC priority/threshold 8 is outside 0..7");
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (target.abandoned.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            assertThat(target.abandoned).anyMatch(r -> r.contains("component 'plic'"));
            assertThat(target.arrived).isEmpty();
        }
    }

    @Test
    void badPagesAreRefusedAndTheReceiverServesOn() throws Exception {
        try (Harness.Host target = new Harness.Host()) {
            try (FrameConnection control = open(target, Handshake.Purpose.CONTROL, "h1", 0)) {
                control.send(new Messages.Begin(new VmDescriptor("evil", Harness.RAM, true, 1000), Strategy.PRECOPY, 1)
                        .frame(Handshake.VERSION));
                control.expect(FrameType.BEGIN_OK, 5000);
                try (FrameConnection pages = open(target, Handshake.Purpose.PAGES, "h1", 0)) {
                    pages.send(new PayloadWriter().i32(1).u16(1).i32(9_999_999).u8(0).bytes(new byte[4096])
                            .frame(FrameType.PAGES));
                    Frame f = control.receive(5000);
                    assertThat(f.type()).isEqualTo(FrameType.ERROR);
                    assertThat(Messages.error(f)).contains("page index 9999999 outside RAM (8192 pages)");
                }
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (target.abandoned.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            assertThat(target.abandoned).anyMatch(r -> r.contains("outside RAM"));
            try (Socket s = new Socket(target.endpoint().getAddress(), target.endpoint().getPort());
                    OutputStream out = s.getOutputStream()) {
                byte[] junk = new byte[100_000];
                new Random(3).nextBytes(junk);
                out.write(junk);
                assertThat(s.getInputStream().read()).as("stranger's connection closed").isEqualTo(-1);
            } catch (java.net.SocketException expected) {
                // reset by the receiver: fine as well
            }
            try (FrameConnection control = open(target, Handshake.Purpose.CONTROL, "h2", 0)) {
                control.send(new PayloadWriter().str("x").i64(1L << 40).bool(true).i64(5).bool(false).str("PRECOPY").u8(1)
                        .str("").str("").bool(false).bool(false).u8(0).u8(0).u8(0).frame(FrameType.BEGIN));
                Frame f = control.receive(5000);
                assertThat(f.type()).isEqualTo(FrameType.ERROR);
                assertThat(Messages.error(f)).contains("RAM size 1099511627776 is not a valid machine size");
            }
            VmRunner vm = Harness.MUNCH.start("vm");
            MigrationReport r = Harness.migrate("ok", vm, Harness.MUNCH, target.endpoint(),
                    MigrationOptions.defaults(Strategy.PRECOPY));
            assertThat(r.success()).as(r.error()).isTrue();
            vm.close();
            assertThat(Harness.hashAtLimit(target.awaitArrival())).isEqualTo(Harness.MUNCH.reference());
        }
    }
}
