package dev.ferry.machine.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.board.GuestFixtures;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Linux guest ({@code guests/build/linux}, built by {@code guests/linux/build.sh}) on the reference machine,
 * QEMU 7.2's {@code virt}: its self-test prints the checked-in transcript, the shell prompt comes up with job
 * control on a piped console, and the counter continues across boots on the disk. These pin down the guest
 * itself, so a Ferry-vs-QEMU difference points at Ferry.
 */
class LinuxGuestOnQemuTest {

    private static final String PROMPT = "ferry:/root # ";
    private static final long TIMEOUT_MS = 60_000;

    @TempDir
    Path tmp;

    @Test
    void selfTestPrintsTheExpectedTranscript() throws Exception {
        Path disk = emptyDisk("disk.img");
        String out = runToPowerOff(List.of("console=ttyS0", "quiet", "ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:off",
                "ferry.run=selftest"), List.of(
                "-drive", "file=" + disk + ",format=raw,if=none,id=d0", "-device", "virtio-blk-device,drive=d0",
                "-device", "virtio-rng-device",
                "-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0"));
        String expected = Files.readString(GuestFixtures.home().resolve("guests/linux/selftest.expected"));
        assertThat(transcript(out)).as("self-test transcript on QEMU").isEqualTo(expected);
    }

    @Test
    void shellPromptOnAPipedConsoleWithJobControl() throws Exception {
        Process qemu = start(List.of("console=ttyS0", "quiet"), List.of());
        try (QemuConsole console = new QemuConsole(qemu, TIMEOUT_MS)) {
            console.await(PROMPT);
            console.type("sleep 30 &\njobs\necho sum=$((6 * 7))\n");
            console.await("sum=42\n");
            assertThat(console.text()).contains("[1]+  Running").contains("sleep 30");
            console.type("poweroff -f\n");
            assertThat(qemu.waitFor(TIMEOUT_MS, TimeUnit.MILLISECONDS)).as("QEMU powers off").isTrue();
        } finally {
            qemu.destroyForcibly();
        }
    }

    @Test
    void counterContinuesAcrossBootsOnTheDisk() throws Exception {
        Path disk = emptyDisk("counter.img");
        List<String> devices = List.of("-drive", "file=" + disk + ",format=raw,if=none,id=d0",
                "-device", "virtio-blk-device,drive=d0");
        List<String> cmdline = List.of("console=ttyS0", "quiet", "ferry.run=counter_0.05_3");
        String first = runToPowerOff(cmdline, devices);
        String second = runToPowerOff(cmdline, devices);
        assertThat(first).contains("counter 1\ncounter 2\ncounter 3\ncounter done 3\n");
        assertThat(second).contains("counter start 3 file /mnt/counter.log\ncounter 4\ncounter 5\ncounter 6\n");
    }

    /** The lines between the self-test's begin and end markers, both included. */
    static String transcript(String console) {
        String text = console.replace("\r", "");
        int begin = text.indexOf("== ferry selftest begin\n");
        int end = text.indexOf("== ferry selftest end\n");
        assertThat(begin).as("self-test start in:\n%s", console).isNotNegative();
        assertThat(end).as("self-test end in:\n%s", console).isGreaterThan(begin);
        return text.substring(begin, end + "== ferry selftest end\n".length());
    }

    private Path emptyDisk(String name) throws IOException {
        Path disk = tmp.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(8L << 20);
        }
        return disk;
    }

    private String runToPowerOff(List<String> cmdline, List<String> devices) throws Exception {
        Process qemu = start(cmdline, devices);
        try (QemuConsole console = new QemuConsole(qemu, TIMEOUT_MS)) {
            assertThat(qemu.waitFor(TIMEOUT_MS, TimeUnit.MILLISECONDS)).as("QEMU powers off").isTrue();
            console.drain();
            return console.text();
        } finally {
            qemu.destroyForcibly();
        }
    }

    private static Process start(List<String> cmdline, List<String> devices) throws IOException {
        Path build = GuestFixtures.home().resolve("guests/build/linux");
        Path image = build.resolve("Image");
        Path initrd = build.resolve("initramfs.cpio.gz");
        if (!Files.isRegularFile(image) || !Files.isRegularFile(initrd)) {
            throw new IllegalStateException("the Linux guest is not built in " + build
                    + ": run guests/linux/build.sh (./ferry test does it)");
        }
        List<String> cmd = new ArrayList<>(List.of(GuestFixtures.qemu(), "-machine", "virt",
                "-cpu", "rv64,h=false,sstc=false", "-m", "256M", "-nographic", "-monitor", "none",
                "-kernel", image.toString(), "-initrd", initrd.toString(), "-append", String.join(" ", cmdline)));
        cmd.addAll(devices);
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }
}
