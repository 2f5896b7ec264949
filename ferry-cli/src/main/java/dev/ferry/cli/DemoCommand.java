package dev.ferry.cli;

import dev.ferry.host.FerryHost;
import dev.ferry.host.HostConfig;
import dev.ferry.host.api.ControlSettings;
import dev.ferry.host.api.CreateVmRequest;
import dev.ferry.host.api.HostAddress;
import dev.ferry.host.api.ReportView;
import dev.ferry.host.api.VmInfo;
import dev.ferry.host.auth.ApiToken;
import dev.ferry.host.auth.SharedSecret;
import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.image.ElfImage;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.machine.image.ImageFormatException;
import dev.ferry.machine.memory.DirtyBitmap;
import dev.ferry.machine.memory.DirtyLog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry demo}: first a Linux VM counting on its console and disk moves live between two hosts on loopback
 * ({@link LinuxDemo}); then a bare-metal guest that keeps dirtying its memory migrates there with pre-copy and
 * back with post-copy, and both reports are shown side by side. {@code --tour} first tours the machine
 * itself: boot, interrupts, the dirty log of a running guest, deterministic save and restore.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Start two hosts in this process, boot the Linux guest running a counter on host A and "
                + "live-migrate it to B; then boot a guest that keeps writing its memory, live-migrate it "
                + "A -> B with pre-copy and back B -> A with post-copy, and compare the two migrations.",
                "With --tour, first tour the machine: boot guests, watch a guest's dirty pages, save and restore."})
public final class DemoCommand implements Callable<Integer> {

    private static final String VM = "muncher";
    private static final String WORKLOAD = "wss=32M rate=20000";

    private final PrintStream out = System.out;

    @Option(names = "--no-linux", description = "Skip the Linux VM and show the bare-metal migration only.")
    private boolean noLinux;

    @Option(names = "--tour", description = "Tour the machine first (boot, timer interrupts, dirty log, save/restore).")
    private boolean tour;

    @Override
    public Integer call() throws Exception {
        GuestImages images = GuestImages.ofInstallation();
        if (tour) {
            machineTour(images);
        }
        if (!noLinux) {
            int linux = linuxDemo(images);
            if (linux != 0) {
                return linux;
            }
        }
        return migrationDemo(images);
    }

    /** The Linux guest migrating between two hosts, or a note that it is not built. */
    private int linuxDemo(GuestImages images) throws Exception {
        GuestImages.LinuxGuest linux = images.linux().orElse(null);
        if (linux == null) {
            step("Linux: the guest is not built in " + images.buildDir().resolve(GuestImages.LINUX)
                    + " (guests/linux/build.sh builds it); showing the bare-metal demo only");
            return 0;
        }
        Path dir = Files.createTempDirectory("ferry-demo");
        try {
            return new LinuxDemo(out, SharedSecret.loadOrCreate(dir.resolve("secret"))).run(linux);
        } finally {
            Files.deleteIfExists(dir.resolve("secret"));
            Files.deleteIfExists(dir);
        }
    }

    private void machineTour(GuestImages images) throws Exception {
        step("1. Boot the 'hello' image (the same ELF runs on qemu-system-riscv64 -machine virt)");
        bootAndRun(images, "hello", "from=demo", out);

        step("2. Interrupt-driven timer ticks (CLINT at 10 MHz, WFI sleeps between ticks)");
        bootAndRun(images, "timer", "hz=20 ticks=5", out);

        step("3. Watch the writable working set of a memory muncher (dirty log harvested every 100 ms)");
        dirtyLogTour(images);

        step("4. Save a running VM and restore it: the state hash must match an uninterrupted run");
        snapshotTour(images);
    }

    private int migrationDemo(GuestImages images) throws Exception {
        Path dir = Files.createTempDirectory("ferry-demo");
        byte[] secret = SharedSecret.loadOrCreate(dir.resolve("secret"));
        step("Live migration: two hosts on loopback, one shared secret (" + dir.resolve("secret") + ")");
        ApiToken token = ApiToken.random();
        try (FerryHost a = startHost("A", images, secret, token); FerryHost b = startHost("B", images, secret, token)) {
            HostClient hostA = new HostClient(HostAddress.format(a.controlAddress()), TokenFile.of(token));
            HostClient hostB = new HostClient(HostAddress.format(b.controlAddress()), TokenFile.of(token));
            out.printf("   host A: control API %s, migration endpoint %s%n", hostA.address(),
                    HostAddress.format(a.migrationEndpoint()));
            out.printf("   host B: control API %s, migration endpoint %s%n", hostB.address(),
                    HostAddress.format(b.migrationEndpoint()));

            step("Boot 'munch " + WORKLOAD + "' on host A: it rewrites a 32 MiB working set, 20,000 pages/s");
            hostA.post("/v1/vms", new CreateVmRequest(VM, "munch", "128M", null, null, List.of(WORKLOAD), null));
            Thread.sleep(2500);
            VmInfo info = hostA.get("/v1/vms/" + VM + "?dirty_rate=true", VmInfo.class);
            out.printf(Locale.ROOT, "   %s on A: %s, %,d instructions, dirty rate %,.0f pages/s, %s of RAM in use%n",
                    VM, info.state(), info.instructions(), info.dirtyRatePagesPerS() == null ? 0.0
                            : info.dirtyRatePagesPerS(), ReportFormat.bytes(info.memoryUsedBytes()));

            step("Migrate A -> B with pre-copy (should it stop converging, it throttles the vCPU)");
            ReportView there = migrate(hostA, hostB, "precopy");
            ReportFormat.print(there, out);
            if (!there.success()) {
                return MigrateCommand.EXIT_FAILED;
            }

            step("Migrate B -> A with post-copy");
            ReportView back = migrate(hostB, hostA, "postcopy");
            ReportFormat.print(back, out);

            step("Side by side");
            ReportFormat.sideBySide("pre-copy A->B", there, "post-copy B->A", back, out);
            VmInfo home = hostA.get("/v1/vms/" + VM, VmInfo.class);
            out.printf(Locale.ROOT, "%n   %s is back on A: %s, %,d instructions%n", VM, home.state(), home.instructions());
            return back.success() ? 0 : MigrateCommand.EXIT_FAILED;
        } finally {
            Files.deleteIfExists(dir.resolve("secret"));
            Files.deleteIfExists(dir);
        }
    }

    private FerryHost startHost(String name, GuestImages images, byte[] secret, ApiToken token) throws IOException {
        return FerryHost.start(new HostConfig(name, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), null,
                secret, images, line -> {
                    synchronized (out) {
                        out.println("   [host " + name + "] " + line);
                    }
                }, ControlSettings.of(token)));
    }

    /** Runs one migration and follows it to its report. */
    private ReportView migrate(HostClient from, HostClient to, String strategy) throws InterruptedException {
        String onStall = strategy.equals("precopy") ? "throttle" : null;
        return MigrateCommand.migrateAndFollow(from, VM, to.address(), strategy, onStall, out);
    }

    private void step(String title) {
        out.println();
        out.println("== " + title);
    }

    private VirtMachine boot(GuestImages images, String name, String args, long ram, boolean deterministic,
            OutputStream console) throws ImageFormatException {
        ElfImage elf = images.load(name);
        VirtMachine m = new VirtMachine(new MachineConfig(ram, deterministic, args, console));
        m.boot(elf);
        return m;
    }

    private void bootAndRun(GuestImages images, String name, String args, PrintStream console)
            throws ImageFormatException {
        VirtMachine m = boot(images, name, args, MachineConfig.DEFAULT_RAM, false, console);
        long t0 = System.nanoTime();
        m.run(Long.MAX_VALUE);
        console.flush();
        out.printf("   -> exit code %d after %,d instructions in %.1f ms%n", m.exitCode(), m.instructions(),
                (System.nanoTime() - t0) / 1e6);
    }

    private void dirtyLogTour(GuestImages images) throws Exception {
        VirtMachine m = boot(images, "munch", "wss=16M rate=2000", 64L << 20, false, OutputStream.nullOutputStream());
        Thread vcpu = new Thread(() -> m.run(Long.MAX_VALUE), "vcpu");
        vcpu.start();
        try {
            DirtyLog log = m.atSafepoint(() -> m.memory().claimDirtyLog("demo")).get(5, TimeUnit.SECONDS);
            out.println("   munch wss=16M rate=2000 pages/s; pages dirtied per 100 ms round:");
            for (int round = 1; round <= 8; round++) {
                Thread.sleep(100);
                DirtyBitmap dirty = m.atSafepoint(log::harvest).get(5, TimeUnit.SECONDS);
                out.printf("   round %d: %5d dirty pages (%5.1f MiB), %,d instructions so far%n", round,
                        dirty.cardinality(), dirty.cardinality() / 256.0, m.instructions());
            }
        } finally {
            m.requestStop();
            vcpu.join();
        }
    }

    private void snapshotTour(GuestImages images) throws ImageFormatException, IOException {
        long half = 20_000_000;
        long full = 2 * half;
        String args = "wss=8M passes=0";
        VirtMachine straight = boot(images, "munch", args, 64L << 20, true, new ByteArrayOutputStream());
        straight.run(full);
        String expected = straight.stateHash();
        out.printf("   uninterrupted run to %,d instructions:      %s%n", full, expected);

        Path file = Files.createTempFile("ferry-demo", ".state");
        try {
            VirtMachine first = boot(images, "munch", args, 64L << 20, true, new ByteArrayOutputStream());
            first.run(half);
            first.saveState(file);
            out.printf("   saved at %,d instructions (%,d KiB state file)%n", half, Files.size(file) >> 10);
            VirtMachine second = VirtMachine.fromStateFile(file, new ByteArrayOutputStream());
            second.run(full);
            String actual = second.stateHash();
            out.printf("   restored and continued to %,d instructions: %s%n", full, actual);
            out.println(expected.equals(actual) ? "   -> identical: nothing was lost or changed by save/restore"
                    : "   -> MISMATCH: save/restore changed the machine's state");
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
