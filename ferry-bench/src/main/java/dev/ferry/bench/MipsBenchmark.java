package dev.ferry.bench;

import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.image.ElfImage;
import dev.ferry.machine.image.GuestImages;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry bench mips}: guest speed of Ferry against QEMU's TCG on the suite of realistic bare-metal programs
 * in {@code guests/bench} (sieve, sort, hash table, CRC, matrix multiply, string search, bytecode interpreter,
 * division, calls across pages). Each program runs on both sides with {@code n=N} and {@code n=2N}; the difference
 * of the two wall times removes start-up, so each side's time is that of N extra units of the same work. Ferry
 * runs both sizes once before measuring (HotSpot warm-up); the medians of the rounds are reported, with the
 * ratio QEMU time / Ferry time (above 1: Ferry is faster) and the geometric mean of the ratios. Both sides must
 * print the same checksum, or the program is reported as a mismatch.
 */
@Command(name = "mips", mixinStandardHelpOptions = true,
        description = "Guest speed: the guests/bench suite on Ferry and on qemu-system-riscv64 (TCG), per program "
                + "and as a geometric mean of the ratios.")
public final class MipsBenchmark implements Callable<Integer> {

    /** Work units of the smaller run per program, sized so QEMU needs about 0.2-0.3 s for them. */
    static final Map<String, Long> SUITE = suite();

    @Option(names = "--programs", split = ",", description = "Programs to run (default: the whole suite).")
    private List<String> programs = new ArrayList<>(SUITE.keySet());

    @Option(names = "--scale", description = "Multiplies every program's work (default: ${DEFAULT-VALUE}).")
    private double scale = 1.0;

    @Option(names = "--repeat", description = "Measurements per side; the median is reported (default: ${DEFAULT-VALUE}).")
    private int repeat = 3;

    @Option(names = "--qemu", description = "QEMU binary (default: ${DEFAULT-VALUE}).")
    private String qemu = "qemu-system-riscv64";

    private record Sample(long instructions, long nanos, String output) { }

    /** One program's medians: Ferry and QEMU wall time for N extra units, Ferry's extra instructions. */
    record Row(String program, long n, long ferryNanos, long qemuNanos, long instructions) {
        double ratio() {
            return (double) qemuNanos / ferryNanos;
        }
    }

    private static Map<String, Long> suite() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("sieve", 200L);
        m.put("sort", 40L);
        m.put("hash", 40L);
        m.put("crc", 400L);
        m.put("matmul", 60L);
        m.put("strsearch", 60L);
        m.put("interp", 1000L);
        m.put("divide", 1000L);
        m.put("calls", 1000L);
        return m;
    }

    @Override
    public Integer call() throws Exception {
        if (repeat < 1 || !(scale > 0)) {
            System.err.println("ferry bench mips: --repeat must be at least 1 and --scale positive");
            return 2;
        }
        for (String p : programs) {
            if (!SUITE.containsKey(p)) {
                System.err.println("ferry bench mips: unknown program '" + p + "' (suite: "
                        + String.join(", ", SUITE.keySet()) + ")");
                return 2;
            }
        }
        System.out.printf("guests/bench suite, runs of n=N and n=2N, medians of %d; time = 2N run - N run%n", repeat);
        List<Row> rows = new ArrayList<>();
        boolean failed = false;
        for (String p : programs) {
            long n = Math.max(1, Math.round(SUITE.get(p) * scale));
            Row row = measure(p, n);
            if (row == null) {
                failed = true;
                continue;
            }
            rows.add(row);
        }
        System.out.println();
        System.out.printf("%-10s %6s %10s %10s %8s %11s%n", "program", "N", "ferry ms", "qemu ms", "ratio",
                "ferry MIPS");
        double logSum = 0;
        for (Row r : rows) {
            System.out.printf("%-10s %6d %10.1f %10.1f %8.2f %11.0f%n", r.program(), r.n(), r.ferryNanos() / 1e6,
                    r.qemuNanos() / 1e6, r.ratio(), r.instructions() / (r.ferryNanos() / 1e3));
            logSum += Math.log(r.ratio());
        }
        if (!rows.isEmpty()) {
            System.out.printf("geometric mean of the ratios (ferry speed / qemu speed): %.2f%n",
                    Math.exp(logSum / rows.size()));
        }
        return failed ? 1 : 0;
    }

    private Row measure(String program, long n) throws Exception {
        ElfImage image = GuestImages.ofInstallation().load(program);
        String expected = runQemu(image.path(), 2 * n).output();
        runFerry(image, n);
        Sample warm = runFerry(image, 2 * n);
        if (!warm.output().equals(expected)) {
            System.out.printf("  %s: MISMATCH%n    ferry: %s    qemu:  %s", program, warm.output(), expected);
            return null;
        }
        List<Long> ferry = new ArrayList<>();
        List<Long> qemuTimes = new ArrayList<>();
        long instructions = 0;
        for (int r = 0; r < repeat; r++) {
            Sample small = runFerry(image, n);
            Sample big = runFerry(image, 2 * n);
            instructions = big.instructions() - small.instructions();
            long f = big.nanos() - small.nanos();
            long q = runQemu(image.path(), 2 * n).nanos() - runQemu(image.path(), n).nanos();
            if (f <= 0 || q <= 0) {
                System.out.printf("  %-10s round %d: ignored, a 2N run was not slower than its N run (a busy "
                        + "machine)%n", program, r + 1);
                continue;
            }
            ferry.add(f);
            qemuTimes.add(q);
            System.out.printf("  %-10s round %d: ferry %8.1f ms, qemu %8.1f ms%n", program, r + 1, f / 1e6,
                    q / 1e6);
        }
        if (ferry.isEmpty()) {
            System.out.printf("  %s: no usable round%n", program);
            return null;
        }
        return new Row(program, n, median(ferry), median(qemuTimes), instructions);
    }

    private static long median(List<Long> values) {
        long[] v = values.stream().mapToLong(Long::longValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static Sample runFerry(ElfImage image, long n) throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        VirtMachine m = new VirtMachine(new MachineConfig(MachineConfig.DEFAULT_RAM, false, "n=" + n, console));
        m.boot(image);
        long t0 = System.nanoTime();
        VirtMachine.Exit exit = m.run(Long.MAX_VALUE);
        long t = System.nanoTime() - t0;
        if (exit != VirtMachine.Exit.POWERED_OFF || m.exitCode() != 0) {
            throw new IllegalStateException(image.path() + " did not finish cleanly on Ferry: " + exit);
        }
        return new Sample(m.instructions(), t, console.toString(StandardCharsets.UTF_8));
    }

    private Sample runQemu(Path image, long n) throws Exception {
        List<String> cmd = List.of(qemu, "-machine", "virt", "-bios", "none", "-nographic", "-monitor", "none",
                "-kernel", image.toString(), "-append", "n=" + n);
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("QEMU run failed: " + String.join(" ", cmd));
        }
        return new Sample(0, System.nanoTime() - t0, new String(out, StandardCharsets.UTF_8));
    }
}
