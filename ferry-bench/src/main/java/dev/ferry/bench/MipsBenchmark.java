package dev.ferry.bench;

import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.image.ElfImage;
import dev.ferry.machine.image.GuestImages;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry bench mips}: guest speed of Ferry's interpreter against QEMU's TCG on the same CPU-bound image.
 * Each side runs the {@code cpu} workload twice, with {@code iters=N} and {@code iters=2N}; the difference of
 * the two runs removes start-up, so MIPS = extra instructions / extra seconds. Ferry runs both sizes once before
 * measuring, so its JIT has compiled the hot code; the median of the rounds is reported. Both sides retire the
 * same instructions (same image, same parameters); Ferry counts them.
 */
@Command(name = "mips", mixinStandardHelpOptions = true,
        description = "Interpreter speed: the 'cpu' image on Ferry and on qemu-system-riscv64 (TCG), in MIPS.")
public final class MipsBenchmark implements Callable<Integer> {

    @Option(names = "--iters", description = "Work units of the smaller run (default: ${DEFAULT-VALUE}).")
    private long iters = 4_000_000;

    @Option(names = "--repeat", description = "Measurements per side; the median is reported (default: ${DEFAULT-VALUE}).")
    private int repeat = 3;

    @Option(names = "--qemu", description = "QEMU binary (default: ${DEFAULT-VALUE}).")
    private String qemu = "qemu-system-riscv64";

    private record Sample(long instructions, long nanos) { }

    @Override
    public Integer call() throws Exception {
        ElfImage image = GuestImages.ofInstallation().load("cpu");
        System.out.printf("cpu image, runs of iters=%d and iters=%d, median of %d%n", iters, 2 * iters, repeat);
        runFerry(image, iters);
        runFerry(image, 2 * iters);
        double[] ferry = new double[repeat];
        double[] qemuRates = new double[repeat];
        for (int r = 0; r < repeat; r++) {
            Sample small = runFerry(image, iters);
            Sample big = runFerry(image, 2 * iters);
            long extra = big.instructions() - small.instructions();
            ferry[r] = extra / ((big.nanos() - small.nanos()) / 1e3);
            long qSmall = runQemu(image.path(), iters);
            long qBig = runQemu(image.path(), 2 * iters);
            qemuRates[r] = extra / ((qBig - qSmall) / 1e3);
            System.out.printf("  round %d: ferry %.0f MIPS, qemu %.0f MIPS (%,d instructions per extra run)%n",
                    r + 1, ferry[r], qemuRates[r], extra);
        }
        double ferryMips = median(ferry);
        double qemuMips = median(qemuRates);
        System.out.printf("%-8s %10s%n", "engine", "MIPS");
        System.out.printf("%-8s %10.0f%n", "ferry", ferryMips);
        System.out.printf("%-8s %10.0f%n", "qemu", qemuMips);
        System.out.printf("ratio ferry/qemu: %.2f%n", ferryMips / qemuMips);
        return 0;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static Sample runFerry(ElfImage image, long iters) throws Exception {
        VirtMachine m = new VirtMachine(new MachineConfig(MachineConfig.DEFAULT_RAM, false, "iters=" + iters,
                OutputStream.nullOutputStream()));
        m.boot(image);
        long t0 = System.nanoTime();
        VirtMachine.Exit exit = m.run(Long.MAX_VALUE);
        long t = System.nanoTime() - t0;
        if (exit != VirtMachine.Exit.POWERED_OFF || m.exitCode() != 0) {
            throw new IllegalStateException("cpu workload did not finish cleanly on Ferry: " + exit);
        }
        return new Sample(m.instructions(), t);
    }

    private long runQemu(Path image, long iters) throws Exception {
        List<String> cmd = List.of(qemu, "-machine", "virt", "-bios", "none", "-nographic", "-monitor", "none",
                "-kernel", image.toString(), "-append", "iters=" + iters);
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("QEMU run failed: " + String.join(" ", cmd));
        }
        return System.nanoTime() - t0;
    }
}
