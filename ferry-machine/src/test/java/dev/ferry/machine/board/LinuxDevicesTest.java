package dev.ferry.machine.board;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Linux VM's devices on the board: a deterministic run of the device guests saved and restored midway (while
 * requests, random bytes and alarms are in use) reaches the same state, console output and disk contents as a
 * straight run; bad configurations fail with one clear line.
 */
class LinuxDevicesTest {

    @TempDir
    Path dir;

    private record Run(String console, String hash, byte[] disk, long instructions) { }

    private MachineConfig config(String args, ByteArrayOutputStream console, Path disk) {
        return new MachineConfig(64L << 20, true, args, console).withRng(true).withBalloon(true)
                .withDrives(List.of(new DriveConfig(disk, "raw", false)));
    }

    private Path disk(String name) throws Exception {
        return DifferentialTest.patternDisk(dir, name, "pattern=256K");
    }

    private Run straight(String image, String args) throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Path disk = disk("straight");
        VirtMachine m = new VirtMachine(config(args, console, disk));
        m.boot(GuestFixtures.image(image));
        assertThat(m.run(200_000_000L)).isEqualTo(VirtMachine.Exit.POWERED_OFF);
        Run r = new Run(console.toString(StandardCharsets.UTF_8), m.stateHash(), Files.readAllBytes(disk),
                m.instructions());
        m.close();
        return r;
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = ';', value = {"blk; ", "rng; ", "rtc; ", "blk; wce=0"})
    void restoredMidwayMatchesAStraightRun(String image, String args) throws Exception {
        String a = args == null ? "" : args;
        Run expected = straight(image, a);
        assertThat(expected.console()).doesNotContain("no virtio").doesNotContain("WRONG").doesNotContain("DIFFERS")
                .doesNotContain("unchanged");
        if (image.equals("rtc")) {
            assertThat(expected.console()).contains("alarm fired: yes, on time: yes, pending 1, claim 11")
                    .contains("woke by the alarm: yes, on time: yes, claim 11");
        }

        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Path disk = disk("first");
        VirtMachine first = new VirtMachine(config(a, console, disk));
        first.boot(GuestFixtures.image(image));
        first.run(expected.instructions() / 2);
        Path state = dir.resolve("vm.state");
        first.saveState(state);
        Path copy = Files.copy(disk, dir.resolve("copy.img"), StandardCopyOption.REPLACE_EXISTING);
        first.close();

        VirtMachine second = VirtMachine.fromStateFile(state, console,
                List.of(new DriveConfig(copy, "raw", false)), List.of());
        assertThat(second.config().rng()).isTrue();
        assertThat(second.run(200_000_000L)).isEqualTo(VirtMachine.Exit.POWERED_OFF);
        assertThat(console.toString(StandardCharsets.UTF_8)).isEqualTo(expected.console());
        assertThat(second.instructions()).isEqualTo(expected.instructions());
        assertThat(second.stateHash()).isEqualTo(expected.hash());
        assertThat(Files.readAllBytes(copy)).isEqualTo(expected.disk());
        second.close();
    }

    @Test
    void deterministicRtcStartsAtTheFixedEpochAndFollowsTheGuestClock() throws Exception {
        VirtMachine m = new VirtMachine(new MachineConfig(16L << 20, true, "", new ByteArrayOutputStream()));
        assertThat(m.rtc().now()).isEqualTo(dev.ferry.machine.device.GoldfishRtc.DETERMINISTIC_EPOCH_NANOS);
        m.close();
    }

    @Test
    void badDisksAndTooManyDevicesGiveOneLine() throws Exception {
        Path odd = Files.write(dir.resolve("odd.img"), new byte[1000]);
        MachineConfig c = new MachineConfig(16L << 20, false, "", new ByteArrayOutputStream());
        assertThatThrownBy(() -> new VirtMachine(c.withDrives(List.of(new DriveConfig(odd, "raw", false)))))
                .isInstanceOf(DeviceAttachException.class).hasMessageContaining("not a multiple of 512")
                .hasMessageNotContaining("\n");
        Path good = Files.write(dir.resolve("good.img"), new byte[512]);
        assertThatThrownBy(() -> new VirtMachine(c.withDrives(List.of(new DriveConfig(good, "qcow2", false)))))
                .isInstanceOf(DeviceAttachException.class).hasMessageContaining("format qcow2 is not supported");
        assertThatThrownBy(() -> new VirtMachine(c.withNics(List.of(new NicConfig("52:54:00:12:34", "none")))))
                .isInstanceOf(DeviceAttachException.class).hasMessageContaining("six bytes");
        List<DriveConfig> nine = java.util.Collections.nCopies(9, new DriveConfig(good, "raw", true));
        assertThatThrownBy(() -> new VirtMachine(c.withDrives(nine))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("8 virtio-mmio slots");
    }

    @Test
    void framesFromAnotherThreadReachTheGuestAndItsRepliesTheBackEnd() throws Exception {
        List<byte[]> sent = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        dev.ferry.machine.device.net.NetBackend.FrameReceiver[] receiver = {null};
        dev.ferry.machine.device.net.NetBackend loop = new dev.ferry.machine.device.net.NetBackend() {
            @Override
            public void send(byte[] frame, int off, int len) {
                sent.add(java.util.Arrays.copyOfRange(frame, off, off + len));
            }

            @Override
            public void attach(FrameReceiver r) {
                receiver[0] = r;
            }

            @Override
            public void detach() {
                receiver[0] = null;
            }

            @Override
            public void close() {
            }
        };
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        MachineConfig c = new MachineConfig(16L << 20, false, "count=3", console)
                .withNics(List.of(new NicConfig("52:54:00:12:34:56", "loop")));
        VirtMachine m = new VirtMachine(c, new DeviceBackends(
                dev.ferry.machine.device.block.BlockBackendFactory.STANDARD, (spec, mac) -> loop));
        m.boot(GuestFixtures.image("netecho"));
        Thread vcpu = new Thread(() -> m.run(Long.MAX_VALUE));
        vcpu.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!console.toString(StandardCharsets.UTF_8).contains("ready") && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        byte[] frame = new byte[60];
        System.arraycopy(new byte[] {0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x0a, 0, 0, 0, 0, 1, 0x08, 0x06}, 0, frame, 0,
                14);
        for (int i = 0; i < 3; i++) {
            frame[20] = (byte) i;
            receiver[0].receive(frame, 0, 60 - i);
        }
        vcpu.join(10_000);
        assertThat(m.poweredOff()).as("console: %s", console).isTrue();
        assertThat(console.toString(StandardCharsets.UTF_8)).contains("frame 0: 60 bytes, type 0806",
                "frame 1: 59 bytes", "frame 2: 58 bytes");
        assertThat(sent).hasSize(3);
        assertThat(java.util.Arrays.copyOfRange(sent.get(2), 0, 12))
                .containsExactly(0x0a, 0, 0, 0, 0, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56);
        assertThat(sent.get(2)[20]).isEqualTo((byte) 2);
        assertThat(m.nics().get(0).rxFrames()).isEqualTo(3);
        m.close();
    }

    @Test
    void slotsFollowQemusOrder() {
        MachineConfig c = new MachineConfig(16L << 20, false, "", new ByteArrayOutputStream()).withBalloon(true)
                .withDrives(List.of(new DriveConfig(Path.of("a"), "raw", false),
                        new DriveConfig(Path.of("b"), "raw", false)))
                .withNics(List.of(new NicConfig("52:54:00:12:34:56", "none"))).withRng(true);
        assertThat(VirtMachine.virtioSlots(c)).containsExactly(7, 6, 5, 4, 3);
    }
}
