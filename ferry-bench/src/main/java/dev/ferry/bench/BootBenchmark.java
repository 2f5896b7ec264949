package dev.ferry.bench;

import dev.ferry.machine.board.BootFiles;
import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.cpu.Cpu;
import dev.ferry.machine.image.Firmware;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.machine.image.KernelFile;
import dev.ferry.machine.image.RawFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry bench boot}: the Linux guest from reset to its shell prompt, on Ferry and on
 * {@code qemu-system-riscv64} with the same firmware, kernel, initramfs and command line. Ferry's time runs from
 * the moment the machine is built until the console shows the prompt (the JVM is already warm from earlier runs,
 * as a host daemon's would be); QEMU's from process start, which includes QEMU's own start-up of about 0.1 s.
 */
@Command(name = "boot", mixinStandardHelpOptions = true,
        description = "Linux boot time to the shell prompt: Ferry and qemu-system-riscv64, same kernel and initramfs.")
public final class BootBenchmark implements Callable<Integer> {

    /** What the busybox shell prints last when it waits for a command. */
    static final String PROMPT = " # ";

    @Option(names = "--repeat", description = "Boots per side; the median is reported (default: ${DEFAULT-VALUE}).")
    private int repeat = 5;

    @Option(names = "--mem", description = "Guest RAM in MiB (default: ${DEFAULT-VALUE}).")
    private int memMiB = 256;

    @Option(names = "--timeout", description = "Seconds one boot may take (default: ${DEFAULT-VALUE}).")
    private int timeoutSeconds = 300;

    @Option(names = "--qemu", description = "QEMU binary (default: ${DEFAULT-VALUE}).")
    private String qemu = "qemu-system-riscv64";

    @Override
    public Integer call() throws Exception {
        GuestImages images = GuestImages.ofInstallation();
        GuestImages.LinuxGuest linux = images.linux().orElse(null);
        if (linux == null) {
            System.err.println("ferry bench boot: the Linux guest is not built (./ferry bench builds it)");
            return 2;
        }
        String append = GuestImages.LinuxGuest.DEFAULT_APPEND;
        long ram = (long) memMiB << 20;
        System.out.printf("Linux guest to its shell prompt: %d MiB, append \"%s\", median of %d%n", memMiB, append,
                repeat);
        double[] ferry = new double[repeat];
        double[] qemuTimes = new double[repeat];
        long instructions = 0;
        for (int r = 0; r < repeat; r++) {
            long[] ferryRun = bootFerry(linux, append, ram);
            ferry[r] = ferryRun[0] / 1e6;
            instructions = ferryRun[1];
            qemuTimes[r] = bootQemu(linux, append) / 1e6;
            System.out.printf("  boot %d: ferry %,.0f ms (%,d instructions), qemu %,.0f ms%n", r + 1, ferry[r],
                    instructions, qemuTimes[r]);
        }
        double f = median(ferry);
        double q = median(qemuTimes);
        System.out.printf("%-8s %12s %12s %12s%n", "engine", "median ms", "min ms", "max ms");
        System.out.printf("%-8s %12.0f %12.0f %12.0f%n", "ferry", f, min(ferry), max(ferry));
        System.out.printf("%-8s %12.0f %12.0f %12.0f%n", "qemu", q, min(qemuTimes), max(qemuTimes));
        System.out.printf("ferry/qemu: %.2fx%n", f / q);
        return 0;
    }

    /** One boot on Ferry: nanoseconds from reset to the prompt, and the instructions retired by then. */
    private long[] bootFerry(GuestImages.LinuxGuest linux, String append, long ram) throws Exception {
        PromptWatch console = new PromptWatch();
        BootFiles files = new BootFiles(Firmware.of("default", ram), KernelFile.read(linux.kernel(), ram),
                Optional.of(RawFile.open(linux.initrd(), "initrd")));
        long start = System.nanoTime();
        VirtMachine m = new VirtMachine(new MachineConfig(ram, false, append, console).withMrom(true));
        try {
            m.boot(files);
            Thread vcpu = Thread.ofPlatform().name("bench-vcpu").start(() -> m.run(Long.MAX_VALUE));
            boolean up = console.await(timeoutSeconds);
            long nanos = System.nanoTime() - start;
            m.requestStop();
            vcpu.join(10_000);
            if (!up) {
                throw new IllegalStateException("Ferry: no shell prompt within " + timeoutSeconds + " s");
            }
            return new long[] {nanos, m.instructions()};
        } finally {
            m.close();
        }
    }

    /** One boot on QEMU: nanoseconds from process start to the prompt. */
    private long bootQemu(GuestImages.LinuxGuest linux, String append) throws Exception {
        List<String> cmd = List.of(qemu, "-machine", "virt", "-cpu", Cpu.QEMU_CPU, "-m", memMiB + "M", "-nographic",
                "-monitor", "none", "-bios", "default", "-kernel", linux.kernel().toString(), "-initrd",
                linux.initrd().toString(), "-append", append);
        PromptWatch console = new PromptWatch();
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            console.pump(p.getInputStream());
            if (!console.await(timeoutSeconds)) {
                throw new IllegalStateException("QEMU: no shell prompt within " + timeoutSeconds + " s");
            }
            return System.nanoTime() - start;
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(0);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(0);
    }

    /** A console that notices the first shell prompt after {@code /init} started. */
    private static final class PromptWatch extends OutputStream {

        private final StringBuilder tail = new StringBuilder();
        private final CountDownLatch seen = new CountDownLatch(1);

        @Override
        public synchronized void write(int b) {
            if (seen.getCount() == 0) {
                return;
            }
            tail.append((char) (b & 0xff));
            if (tail.length() > 256) {
                tail.delete(0, tail.length() - 128);
            }
            if (tail.toString().endsWith(PROMPT)) {
                seen.countDown();
            }
        }

        void pump(InputStream in) {
            Thread.ofPlatform().daemon().name("qemu-console").start(() -> {
                try (in) {
                    byte[] buf = new byte[4096];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        write(buf, 0, n);
                    }
                } catch (IOException ended) {
                    // the process is gone
                }
            });
        }

        boolean await(int seconds) throws InterruptedException {
            return seen.await(seconds, TimeUnit.SECONDS);
        }
    }
}
