package dev.ferry.migration.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.migration.ConsoleHistory;
import dev.ferry.migration.Strategy;
import dev.ferry.migration.VmDescriptor;
import dev.ferry.machine.board.DriveConfig;
import dev.ferry.machine.board.NicConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Control-frame payloads in the layouts of protocol versions 2, 3 and 4. */
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

    private static final VmDescriptor LINUX = new VmDescriptor("linux1", 256L << 20, false, Long.MAX_VALUE, false,
            "linux", "console=ttyS0", List.of(new DriveConfig(Path.of("/srv/disk,1.img"), "raw", false),
                    new DriveConfig(Path.of("/srv/base.img"), "raw", true),
                    new DriveConfig("nbd://10.0.0.5:10809/shared", DriveConfig.NBD, false)),
            List.of(new NicConfig("52:54:00:12:34:56", "tap:tap0"), new NicConfig("52:54:00:12:34:57", "none")),
            true, true);

    @Test
    void beginOfVersion4CarriesDisksNicsEntropyAndBootRom() throws Exception {
        Frame f = new Messages.Begin(LINUX, Strategy.PRECOPY, 2).frame(4);
        Messages.Begin back = Messages.Begin.decode(f, 4);
        assertThat(back).isEqualTo(new Messages.Begin(LINUX, Strategy.PRECOPY, 2));
        assertThat(back.vm().machineConfig(java.io.OutputStream.nullOutputStream()))
                .satisfies(c -> {
                    assertThat(c.drives()).isEqualTo(LINUX.drives());
                    assertThat(c.nics()).isEqualTo(LINUX.nics());
                    assertThat(c.rng()).isTrue();
                    assertThat(c.mrom()).isTrue();
                    assertThat(c.bootArgs()).isEqualTo("console=ttyS0");
                });
        Frame plain = new Messages.Begin(VM, Strategy.HYBRID, 4).frame(4);
        assertThat(Messages.Begin.decode(plain, 4)).isEqualTo(new Messages.Begin(VM, Strategy.HYBRID, 4));
    }

    @Test
    void aVmWithDevicesCannotBeDescribedToAnOlderTarget() {
        assertThatThrownBy(() -> new Messages.Begin(LINUX, Strategy.PRECOPY, 1).frame(3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the target speaks migration protocol 3, which cannot describe this VM's disks, network "
                        + "interfaces, entropy device or boot ROM (protocol 4 can); upgrade the target host");
        Frame v3 = new Messages.Begin(VM, Strategy.PRECOPY, 1).frame(3);
        assertThatThrownBy(() -> Messages.Begin.decode(v3, 4)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void badDeviceDescriptionsAreRejected() {
        PayloadWriter head = new PayloadWriter().str("vm").i64(64L << 20).bool(true).i64(5000).bool(false)
                .str("PRECOPY").u8(1).str("").str("").bool(false).bool(false);
        Frame tooMany = copy(head).u8(17).frame(FrameType.BEGIN);
        assertThatThrownBy(() -> Messages.Begin.decode(tooMany, 4)).hasMessage("BEGIN frame: 17 disks (at most 16)");
        Frame vmdk = copy(head).u8(1).str("/d.img").str("vmdk").bool(false).u8(0).frame(FrameType.BEGIN);
        assertThatThrownBy(() -> Messages.Begin.decode(vmdk, 4)).hasMessageContaining("format 'vmdk'");
        Frame nbdFile = copy(head).u8(1).str("/etc/passwd").str("nbd").bool(false).u8(0).frame(FrameType.BEGIN);
        assertThatThrownBy(() -> Messages.Begin.decode(nbdFile, 4)).hasMessageContaining("nbd://");
        Frame multicast = copy(head).u8(0).u8(1).str("01:00:5e:00:00:01").str("none").frame(FrameType.BEGIN);
        assertThatThrownBy(() -> Messages.Begin.decode(multicast, 4)).hasMessageContaining("multicast");
        Frame noFile = copy(head).u8(1).str("").str("raw").bool(false).u8(0).frame(FrameType.BEGIN);
        assertThatThrownBy(() -> Messages.Begin.decode(noFile, 4)).hasMessageContaining("valid file name");
    }

    @Test
    void copiedDisksTravelFromVersion5AndBadEntriesAreRejected() throws Exception {
        VmDescriptor vm = new VmDescriptor("vm", 64L << 20, false, Long.MAX_VALUE, false, "linux", "",
                List.of(new DriveConfig(Path.of("/a.img"), "raw", true), new DriveConfig(Path.of("/b.img"), "raw",
                        false)), List.of(), false, false);
        Messages.Begin begin = new Messages.Begin(vm, Strategy.POSTCOPY, 2, List.of(new Messages.DiskCopy(1, 1L << 30)));
        assertThat(Messages.Begin.decode(begin.frame(5), 5)).isEqualTo(begin);
        assertThatThrownBy(() -> begin.frame(4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot copy disks");
        PayloadWriter head = new PayloadWriter().str("vm").i64(64L << 20).bool(true).i64(5000).bool(false)
                .str("PRECOPY").u8(1).str("").str("").bool(false).bool(false).u8(2).str("/a.img").str("raw")
                .bool(true).str("/b.img").str("qcow2").bool(false).u8(0);
        assertThat(Messages.Begin.decode(copy(head).u8(1).u8(1).i64(4096).frame(FrameType.BEGIN), 5).copied())
                .containsExactly(new Messages.DiskCopy(1, 4096));
        assertThatThrownBy(() -> Messages.Begin.decode(copy(head).u8(1).u8(0).i64(4096).frame(FrameType.BEGIN), 5))
                .hasMessageContaining("disk 0 is not a writable disk file");
        assertThatThrownBy(() -> Messages.Begin.decode(copy(head).u8(1).u8(2).i64(4096).frame(FrameType.BEGIN), 5))
                .hasMessageContaining("copied disk 2 does not exist");
        assertThatThrownBy(() -> Messages.Begin.decode(copy(head).u8(1).u8(1).i64(1000).frame(FrameType.BEGIN), 5))
                .hasMessageContaining("invalid size 1000");
        assertThatThrownBy(() -> Messages.Begin.decode(copy(head).u8(1).u8(1).i64(1L << 50).frame(FrameType.BEGIN),
                5)).hasMessageContaining("invalid size");
        assertThatThrownBy(() -> Messages.Begin.decode(copy(head).u8(2).u8(1).i64(4096).u8(1).i64(4096)
                .frame(FrameType.BEGIN), 5)).hasMessageContaining("out of order or repeated");
    }

    private static PayloadWriter copy(PayloadWriter w) {
        return new PayloadWriter().raw(w.toByteArray());
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
