package dev.ferry.machine.board;

import dev.ferry.machine.cpu.Cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Oracle 1: every guest image in {@code guests/difftests.txt} prints the same console output and exits with the
 * same status on {@code qemu-system-riscv64 -machine virt} and on Ferry. An optional fifth column holds extra
 * QEMU arguments; each must be one Ferry knows how to match ({@link #DEVICES}), or {@code -drive pattern=SIZE} (with
 * an optional {@code ,mbr=HEAD/SECTOR}, an MBR whose first partition ends at that head and sector, and an optional
 * {@code ,readonly=on}): a fresh raw disk of SIZE bytes holding byte {@code (i ^ (i >> 9)) & 0xff} at
 * offset {@code i}, one copy per side, attached as a virtio-blk device. Devices are listed in Ferry's slot order
 * (balloon, drives, entropy device), which QEMU follows when given them in the same order.
 */
class DifferentialTest {

    private record Case(String name, String image, String args, String mem, List<String> qemuExtra) { }

    /**
     * QEMU's CPU with Ferry's extensions: no H, no Sstc, no Zba/Zbb/Zbc/Zbs, and (until the F/D extensions are
     * in) no F and D. Kept in step with {@code guests/run-difftests.sh}.
     */
    static final String QEMU_CPU = Cpu.QEMU_CPU;

    /** QEMU device options a case may add, and what Ferry's configuration does for each. */
    private static final Map<String, UnaryOperator<MachineConfig>> DEVICES =
            Map.of("virtio-balloon-device", c -> c.withBalloon(true), "virtio-rng-device", c -> c.withRng(true),
                    "virtio-net-device,mac=52:54:00:12:34:56",
                    c -> c.withNics(List.of(new NicConfig("52:54:00:12:34:56", "none"))));

    @TempDir
    static Path disks;

    @TestFactory
    Stream<DynamicTest> sameOutputAsQemu() throws IOException {
        List<Case> cases = cases();
        assertThat(cases).as("difftests.txt lists cases").isNotEmpty();
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> compare(c)));
    }

    private static List<Case> cases() throws IOException {
        Path list = GuestFixtures.home().resolve("guests/difftests.txt");
        List<Case> cases = new ArrayList<>();
        for (String line : Files.readAllLines(list)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] f = l.split("\\|", -1);
            if (f.length != 4 && f.length != 5) {
                throw new IOException("bad line in " + list + ": " + line);
            }
            List<String> extra = f.length == 5 && !f[4].isBlank() ? List.of(f[4].strip().split("\\s+")) : List.of();
            for (int i = 0; i < extra.size(); i += 2) {
                boolean drive = extra.get(i).equals("-drive") && i + 1 < extra.size()
                        && extra.get(i + 1).matches("pattern=\\d+[KMG]?(,mbr=\\d+/\\d+)?(,readonly=on)?");
                if (!drive && (!extra.get(i).equals("-device") || i + 1 == extra.size()
                        || !DEVICES.containsKey(extra.get(i + 1)))) {
                    throw new IOException("unsupported QEMU arguments in " + list + ": " + line);
                }
            }
            cases.add(new Case(f[0].strip(), f[1].strip(), f[2].strip(), f[3].strip(), extra));
        }
        return cases;
    }

    private static void compare(Case c) throws Exception {
        Path image = GuestFixtures.images().resolve(c.image());
        Result qemu = runQemu(image, c);
        Result ferry = runFerry(c);
        assertThat(ferry.output()).as("console output of %s on Ferry vs QEMU", c.name()).isEqualTo(qemu.output());
        assertThat(ferry.exitCode()).as("exit status of %s on Ferry vs QEMU", c.name()).isEqualTo(qemu.exitCode());
    }

    private record Result(String output, int exitCode) { }

    private static Result runQemu(Path image, Case c) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(GuestFixtures.qemu(), "-machine", "virt", "-cpu", QEMU_CPU,
                "-bios", "none", "-nographic", "-monitor", "none", "-m", c.mem(), "-kernel", image.toString()));
        if (!c.args().isEmpty()) {
            cmd.addAll(List.of("-append", c.args()));
        }
        for (int i = 0; i < c.qemuExtra().size(); i += 2) {
            String opt = c.qemuExtra().get(i + 1);
            if (c.qemuExtra().get(i).equals("-drive")) {
                Path disk = patternDisk(c.name() + "-qemu-" + i, opt);
                cmd.addAll(List.of("-drive", "file=" + disk + ",format=raw,if=none,id=hd" + i
                        + (opt.endsWith(",readonly=on") ? ",readonly=on" : ""),
                        "-device", "virtio-blk-device,drive=hd" + i));
            } else {
                cmd.addAll(List.of("-device", opt));
            }
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("QEMU did not finish " + c.name());
        }
        return new Result(new String(out, StandardCharsets.UTF_8), p.exitValue());
    }

    private static Result runFerry(Case c) throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        long ram = parseSize(c.mem());
        MachineConfig config = new MachineConfig(ram, false, c.args(), console);
        List<DriveConfig> drives = new ArrayList<>();
        for (int i = 0; i < c.qemuExtra().size(); i += 2) {
            String opt = c.qemuExtra().get(i + 1);
            if (c.qemuExtra().get(i).equals("-drive")) {
                drives.add(new DriveConfig(patternDisk(c.name() + "-ferry-" + i, opt), "raw",
                        opt.endsWith(",readonly=on")));
            } else {
                config = DEVICES.get(opt).apply(config);
            }
        }
        VirtMachine m = new VirtMachine(config.withDrives(drives));
        m.boot(GuestFixtures.image(c.image()));
        VirtMachine.Exit exit = m.run(Long.MAX_VALUE);
        assertThat(exit).isEqualTo(VirtMachine.Exit.POWERED_OFF);
        int code = m.exitCode();
        m.close();
        return new Result(console.toString(StandardCharsets.UTF_8), code == 0 ? 0 : code & 0xff);
    }

    /** A fresh disk for the {@code -drive pattern=SIZE} option {@code opt}. */
    static Path patternDisk(String name, String opt) throws IOException {
        return patternDisk(disks, name, opt);
    }

    /** A fresh disk in {@code dir} for the {@code -drive pattern=SIZE} option {@code opt}. */
    static Path patternDisk(Path dir, String name, String opt) throws IOException {
        String[] parts = opt.substring("pattern=".length()).split(",");
        int size = (int) parseSize(parts[0]);
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i ^ (i >> 9));
        }
        for (String p : parts) {
            if (p.startsWith("mbr=")) {
                String[] hs = p.substring(4).split("/");
                int e = 0x1be;
                b[e] = (byte) 0x80;
                b[e + 4] = (byte) 0x83;
                b[e + 5] = (byte) Integer.parseInt(hs[0]);
                b[e + 6] = (byte) Integer.parseInt(hs[1]);
                int sectors = size / 512 - 1;
                b[e + 8] = 1;
                for (int k = 0; k < 4; k++) {
                    b[e + 9 + k] = 0;
                    b[e + 12 + k] = (byte) (sectors >>> (8 * k));
                }
                b[510] = 0x55;
                b[511] = (byte) 0xaa;
            }
        }
        return Files.write(dir.resolve(name + ".img"), b);
    }

    static long parseSize(String s) {
        String v = s.strip().toUpperCase();
        long mul = switch (v.charAt(v.length() - 1)) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            default -> 1L << 20;
        };
        String digits = Character.isDigit(v.charAt(v.length() - 1)) ? v : v.substring(0, v.length() - 1);
        return Long.parseLong(digits) * mul;
    }
}
