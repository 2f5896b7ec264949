package dev.ferry.machine.board;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Oracle 1: every guest image in {@code guests/difftests.txt} prints the same console output and exits with the
 * same status on {@code qemu-system-riscv64 -machine virt} and on Ferry.
 */
class DifferentialTest {

    private record Case(String name, String image, String args, String mem) { }

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
            if (f.length != 4) {
                throw new IOException("bad line in " + list + ": " + line);
            }
            cases.add(new Case(f[0].strip(), f[1].strip(), f[2].strip(), f[3].strip()));
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
        List<String> cmd = new ArrayList<>(List.of(GuestFixtures.qemu(), "-machine", "virt", "-bios", "none",
                "-nographic", "-monitor", "none", "-m", c.mem(), "-kernel", image.toString()));
        if (!c.args().isEmpty()) {
            cmd.addAll(List.of("-append", c.args()));
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

    private static Result runFerry(Case c) {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        long ram = parseSize(c.mem());
        VirtMachine m = GuestFixtures.boot(c.image(), c.args(), ram, false, console);
        VirtMachine.Exit exit = m.run(Long.MAX_VALUE);
        assertThat(exit).isEqualTo(VirtMachine.Exit.POWERED_OFF);
        int code = m.exitCode();
        return new Result(console.toString(StandardCharsets.UTF_8), code == 0 ? 0 : code & 0xff);
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
