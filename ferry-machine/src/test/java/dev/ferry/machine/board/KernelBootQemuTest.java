package dev.ferry.machine.board;

import dev.ferry.machine.cpu.Cpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.device.BootRomState;
import dev.ferry.machine.image.Firmware;
import dev.ferry.machine.image.KernelFile;
import dev.ferry.machine.image.RawFile;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Differential check of the kernel loader: QEMU 7.2 is started frozen ({@code -S}) with the same firmware, kernel,
 * initrd, command line and RAM, and its monitor's {@code xp} of the boot ROM, the kernel, the initrd and the firmware
 * must show the words Ferry put there.
 */
class KernelBootQemuTest {

    private static final Pattern XP_LINE = Pattern.compile("^([0-9a-f]{16}):((?: 0x[0-9a-f]{8})+)\\s*$");

    @TempDir
    Path dir;

    private record Probe(long address, int words) { }

    /** The words QEMU's monitor shows at each probe, in order. */
    private static List<Long> qemuWords(List<String> qemuArgs, List<Probe> probes) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(GuestFixtures.qemu(), "-machine", "virt", "-cpu", Cpu.QEMU_CPU,
                "-display", "none", "-serial", "null", "-S", "-monitor", "stdio"));
        cmd.addAll(qemuArgs);
        StringBuilder script = new StringBuilder();
        for (Probe p : probes) {
            script.append(String.format("xp /%dxw 0x%x%n", p.words(), p.address()));
        }
        script.append("quit\n");
        Process q = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        q.getOutputStream().write(script.toString().getBytes(StandardCharsets.US_ASCII));
        q.getOutputStream().close();
        String out = new String(q.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(q.waitFor(30, TimeUnit.SECONDS)).isTrue();
        List<Long> words = new ArrayList<>();
        for (String line : out.replace("\r", "").split("\n")) {
            Matcher m = XP_LINE.matcher(line);
            if (m.matches()) {
                for (String w : m.group(2).trim().split(" ")) {
                    words.add(Long.parseLong(w.substring(2), 16));
                }
            }
        }
        return words;
    }

    @Test
    void firmwareKernelInitrdAndBootRomAreWhereQemuPutsThem() throws Exception {
        Path fw = Firmware.DEFAULT_PATH;
        assertThat(fw).as("QEMU's OpenSBI (package qemu-system-data)").isRegularFile();
        ByteBuffer image = ByteBuffer.allocate(64 + 256).order(ByteOrder.LITTLE_ENDIAN);
        image.putInt(0x0000006f).putInt(0).putLong(0x200000).putLong(1 << 20).putLong(0).putInt(2).putInt(0)
                .putLong(0).putLong(KernelFile.MAGIC).putInt(KernelFile.MAGIC2).putInt(0);
        for (int i = 0; i < 256; i++) {
            image.put((byte) (i * 7));
        }
        Path kernel = Files.write(dir.resolve("Image"), image.array());
        byte[] rd = new byte[6000];
        for (int i = 0; i < rd.length; i++) {
            rd[i] = (byte) (i * 13 + 1);
        }
        Path initrd = Files.write(dir.resolve("initrd"), rd);
        for (long ramMiB : new long[] {64, 256}) {
            long ram = ramMiB << 20;
            VirtMachine m = new VirtMachine(new MachineConfig(ram, true, "console=ttyS0 x=1",
                    new ByteArrayOutputStream()).withMrom(true));
            BootLayout l = m.boot(new BootFiles(Firmware.of("default", ram), KernelFile.read(kernel, ram),
                    Optional.of(RawFile.open(initrd, "initrd"))));
            List<Probe> probes = List.of(new Probe(0x1000, 24), new Probe(l.kernelAddress(), 16),
                    new Probe(l.initrdStart(), 16), new Probe(VirtMachine.RAM_BASE, 16));
            List<Long> expected = new ArrayList<>();
            byte[] rom = ((BootRomState) m.componentStates().get(VirtMachine.MROM)).contents();
            ByteBuffer r = ByteBuffer.wrap(java.util.Arrays.copyOf(rom, 96)).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 24; i++) {
                expected.add(r.getInt(i * 4) & 0xffff_ffffL);
            }
            for (Probe p : probes.subList(1, probes.size())) {
                for (int i = 0; i < p.words(); i++) {
                    expected.add(m.memory().load32(p.address() + 4L * i) & 0xffff_ffffL);
                }
            }
            List<Long> qemu = qemuWords(List.of("-m", ramMiB + "M", "-bios", "default", "-kernel", kernel.toString(),
                    "-initrd", initrd.toString(), "-append", "console=ttyS0 x=1"), probes);
            assertThat(qemu).as("words at the boot ROM, kernel, initrd and firmware with %d MiB", ramMiB)
                    .isEqualTo(expected);
        }
    }
}
