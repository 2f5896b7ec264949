package dev.ferry.machine.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.cpu.Cpu;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Differential test of the whole machine with Linux: the guest's self-test ({@code ferry.run=selftest}: shell
 * arithmetic, awk floating point, md5sum, sort, sed, ext2 on the virtio-blk disk, the RTC, virtio-rng and eth0)
 * prints the same transcript, byte for byte, on Ferry and on QEMU 7.2's {@code virt} with the same kernel,
 * initramfs, command line, a fresh raw disk, an entropy device and a network interface. Ferry runs
 * deterministically (the transcript does not depend on time).
 */
class LinuxSelfTestDifferentialTest {

    static final String APPEND = "console=ttyS0 quiet ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:off "
            + "ferry.run=selftest";
    static final String BEGIN = "== ferry selftest begin\n";
    static final String END = "== ferry selftest end\n";
    /** Instructions the self-test may take on Ferry before the test gives up on it (it needs a few billion). */
    static final long MAX_INSTRUCTIONS = 6_000_000_000L;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 40, unit = TimeUnit.MINUTES)
    void selfTestTranscriptIsByteIdenticalToQemus() throws Exception {
        String qemu = transcript(onQemu(LinuxFixtures.emptyDisk(dir.resolve("qemu.img"), 8)), "QEMU");

        ByteArrayOutputStream console = new ByteArrayOutputStream();
        VirtMachine m = LinuxFixtures.boot(LinuxFixtures.config(true, APPEND, console)
                .withDrives(LinuxFixtures.drive(LinuxFixtures.emptyDisk(dir.resolve("ferry.img"), 8)))
                .withNics(LinuxFixtures.unpluggedNic()).withRng(true));
        long t0 = System.nanoTime();
        while (!m.poweredOff() && m.instructions() < MAX_INSTRUCTIONS) {
            m.run(m.instructions() + 100_000_000L);
        }
        System.out.printf("Linux self-test on Ferry: %,d instructions in %.1f s%n", m.instructions(),
                (System.nanoTime() - t0) / 1e9);
        m.close();
        assertThat(m.poweredOff()).as("the self-test powers off within %,d instructions:%n%s", MAX_INSTRUCTIONS,
                console.toString(StandardCharsets.UTF_8)).isTrue();
        assertThat(transcript(console.toString(StandardCharsets.UTF_8), "Ferry")).isEqualTo(qemu);
    }

    /** The lines from the begin marker to the end marker, both included, carriage returns dropped. */
    static String transcript(String console, String where) {
        String text = console.replace("\r", "");
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        assertThat(begin).as("self-test start on %s in:%n%s", where, text).isNotNegative();
        assertThat(end).as("self-test end on %s in:%n%s", where, text).isGreaterThan(begin);
        return text.substring(begin, end + END.length());
    }

    private static String onQemu(Path disk) throws Exception {
        var g = LinuxFixtures.guest();
        List<String> cmd = new ArrayList<>(List.of(GuestFixtures.qemu(), "-machine", "virt", "-cpu", Cpu.QEMU_CPU,
                "-m", (LinuxFixtures.RAM >> 20) + "M", "-nographic", "-monitor", "none",
                "-kernel", g.kernel().toString(), "-initrd", g.initrd().toString(), "-append", APPEND,
                "-drive", "file=" + disk + ",format=raw,if=none,id=d0", "-device", "virtio-blk-device,drive=d0",
                "-device", "virtio-rng-device", "-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
        try {
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("QEMU powers off").isTrue();
            return new String(out, StandardCharsets.UTF_8);
        } finally {
            p.destroyForcibly();
        }
    }
}
